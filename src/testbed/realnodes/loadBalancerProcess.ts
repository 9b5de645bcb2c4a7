import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../../config/paths';
import { bedPid, spawnInBed, stopBedProcess } from './forwards';
import { assignedAddresses, releaseAddress, type LoadBalancerConfig } from './loadBalancer';
import type { Log } from '../../process/subprocess';

/**
 * The load balancer runs as a detached node process (pid file lb.pid in the bed), not inside the process that ran
 * `testbed up`: that process (the CLI, a test) returns once the bed is up, and the bed lives on in detached processes, as
 * kwokctl's components, the forwards and the nodes do. The state folder on its command line marks it as the bed's.
 */
const configSchema = z.object({
  state: z.string().min(1),
  namespace: z.string().min(1),
  kubeconfigPath: z.string().min(1),
  pool: z.array(z.string().regex(/^127\.\d+\.\d+\.\d+$/, 'must be an address on host loopback')).min(1),
  target: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/),
});

export const loadBalancerConfigPath = (state: string) => path.join(state, 'lb', 'config.json');

export function readLoadBalancerConfig(file: string): LoadBalancerConfig {
  const parsed = configSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The command that runs loadBalancerMain: its compiled form from dist/, or (from the TypeScript sources, in tests) the
 * same file through the repository's transpile-only hook.
 */
function mainCommand(configFile: string): string[] {
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, `loadBalancerMain${extension}`);
  const hook = extension === '.ts' ? ['-r', path.join(repoRoot, 'test', 'support', 'registerTs.js')] : [];
  return [...hook, entry, configFile];
}

/** Starts the load balancer unless it runs. */
export function loadBalancerUp(config: LoadBalancerConfig, log: Log): void {
  const valid = configSchema.parse(config);
  if (bedPid(valid, 'lb') !== undefined) return;
  const file = loadBalancerConfigPath(valid.state);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  const pid = spawnInBed(valid, 'lb', process.execPath, mainCommand(file));
  log(`load balancer (pid ${pid}): Services of type LoadBalancer get an address of ${valid.pool.join(' ')}`);
}

/** Stops the load balancer and takes every address back (their forwards stop). */
export async function loadBalancerDown(config: Pick<LoadBalancerConfig, 'state' | 'namespace'>): Promise<void> {
  await stopBedProcess(config, 'lb', 5_000);
  const file = loadBalancerConfigPath(config.state);
  if (!fs.existsSync(file)) return;
  const full = readLoadBalancerConfig(file);
  for (const uid of assignedAddresses(full).keys()) await releaseAddress(full, uid);
}
