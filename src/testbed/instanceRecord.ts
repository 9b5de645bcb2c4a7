/**
 * Which instance (ports, addresses, cluster name) the test bed of a data folder uses, recorded in the folder, so
 * whatever is given only the folder (`testbed status`, `testbed down`, `hardenlab dev`, the local provider) finds that
 * test bed and not the default one. A folder without a record holds the default instance.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { TestbedInstance } from './layout';

const port = z.number().int().min(1).max(65535);
const loopback = z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'a 127.0.0.0/8 address');

const instanceSchema = z.strictObject({
  clusterName: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes'),
  ports: z.strictObject({
    kubeApiserver: port,
    etcd: port,
    etcdPeer: port,
    kubeControllerManager: port,
    kubeScheduler: port,
    kwokController: port,
    ssh: port,
  }),
  nodes: z.array(z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), address: loopback })).min(1),
  apiAddress: loopback.optional(),
});

export function testbedInstanceFile(home: string): string {
  return path.join(home, 'sim-instance.json');
}

export function recordTestbedInstance(home: string, instance: TestbedInstance): void {
  fs.mkdirSync(home, { recursive: true });
  writeFileAtomic.sync(testbedInstanceFile(home), `${JSON.stringify(instance, null, 2)}\n`);
}

/** The recorded instance, or undefined when the folder has none; a record that does not parse names the file and field. */
export function recordedTestbedInstance(home: string): TestbedInstance | undefined {
  const file = testbedInstanceFile(home);
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = instanceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
