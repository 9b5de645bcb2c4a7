import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEtcdPki } from './etcdPki';
import { apiServerUrl, type TestbedLayout, type TestbedNode } from './layout';
import { renderKwokctlConfig, renderNodeManifests, type KwokctlOptions, type NodeSize } from './testbedManifests';
import { commandLine, isAlive, ownedPid, readPidFile, run, waitFor, type Log } from '../process/subprocess';
import type { TestbedBinaries, TestbedVersions } from './buildVersions';

export interface ClusterContext {
  layout: TestbedLayout;
  binaries: TestbedBinaries;
  versions: TestbedVersions;
  log: Log;
  /** The launcher's environment, which the test bed's programs start from. */
  env: NodeJS.ProcessEnv;
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  running: boolean;
}

/** kwokctl keeps everything (pki, pids, logs, etcd data) under KWOK_WORKDIR, i.e. inside the test bed folder. */
function kwokctlEnv(ctx: ClusterContext): NodeJS.ProcessEnv {
  return { ...ctx.env, KWOK_WORKDIR: ctx.layout.kwokWorkdir };
}

export function kwokctl(ctx: ClusterContext, args: readonly string[], timeoutMs = 300_000) {
  return run(ctx.binaries.kwokctl, ['--name', ctx.layout.instance.clusterName, ...args], { env: kwokctlEnv(ctx), timeoutMs });
}

export function kubectl(ctx: ClusterContext, args: readonly string[], timeoutMs = 60_000) {
  return run(ctx.binaries.kubectl, ['--kubeconfig', ctx.layout.kubeconfigPath, ...args], { timeoutMs });
}

/**
 * The control plane processes kwokctl started, from its pid files. A pid counts only while it runs the component's
 * binary from kwokctl's bin folder: after a reboot the file may name any process, which is not ours to count or stop.
 */
export function clusterComponents(layout: TestbedLayout): ComponentStatus[] {
  const pidsDir = path.join(layout.kwokClusterDir, 'pids');
  if (!fs.existsSync(pidsDir)) return [];
  return fs
    .readdirSync(pidsDir)
    .filter((file) => file.endsWith('.pid'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.pid$/, '');
      const binary = `${layout.kwokClusterDir}/bin/${name}`;
      const pid = ownedPid(path.join(pidsDir, file), (command) => command === binary || command.startsWith(`${binary} `));
      return { name, pid: pid ?? readPidFile(path.join(pidsDir, file)), running: pid !== undefined };
    });
}

export async function apiReady(ctx: ClusterContext): Promise<boolean> {
  if (!fs.existsSync(ctx.layout.kubeconfigPath)) return false;
  try {
    const { stdout } = await kubectl(ctx, ['get', '--raw', '/readyz'], 10_000);
    return stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

/** Creates the kwokctl cluster (binary runtime, local binaries only) and writes the admin kubeconfig. */
export async function createCluster(ctx: ClusterContext, options: KwokctlOptions = {}): Promise<void> {
  const { layout, log } = ctx;
  fs.mkdirSync(layout.testbedDir, { recursive: true });
  fs.writeFileSync(layout.kwokctlConfigPath, renderKwokctlConfig(ctx.versions, ctx.binaries, layout, options));
  if (fs.existsSync(layout.kwokClusterDir)) {
    log('removing a stale cluster state left by an earlier run');
    await deleteCluster(ctx);
  }
  await createEtcdPki(layout);
  log(`starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok-controller (${apiServerUrl(layout.instance)})`);
  await kwokctl(
    ctx,
    ['create', 'cluster', '--config', layout.kwokctlConfigPath, '--kubeconfig', layout.kubeconfigPath, '--wait', '2m'],
    600_000,
  );
}

export async function deleteCluster(ctx: ClusterContext): Promise<void> {
  if (!fs.existsSync(ctx.layout.kwokClusterDir)) return;
  await kwokctl(ctx, ['delete', 'cluster', '--kubeconfig', ctx.layout.kubeconfigPath], 120_000);
}

/**
 * Starts the control plane components that are not running (`kwokctl start cluster` starts only those), until
 * every one runs and the controller manager works (the `default` ServiceAccount exists). kwokctl does not
 * supervise them: the controller manager exits when the API server is not healthy within ~10 s of its start,
 * which a busy machine causes.
 */
export async function keepComponentsRunning(ctx: ClusterContext, timeoutMs: number): Promise<void> {
  await waitFor(
    'every control plane component to run and the default ServiceAccount to exist',
    async () => {
      const stopped = clusterComponents(ctx.layout).filter((component) => !component.running).map((component) => component.name);
      if (stopped.length > 0) {
        ctx.log(`starting ${stopped.join(', ')} again (not running)`);
        await kwokctl(ctx, ['start', 'cluster']);
        return undefined;
      }
      return (await apiReady(ctx)) &&
        (await kubectl(ctx, ['get', 'serviceaccount', 'default', '--namespace', 'default'], 10_000).then(
          () => true,
          () => false,
        ))
        ? true
        : undefined;
    },
    timeoutMs,
    1000,
  );
}

/** Registers the KWOK nodes that are missing (with status, so their InternalIP is the node host's address). */
export async function ensureNodes(ctx: ClusterContext, nodes: readonly TestbedNode[], size: NodeSize): Promise<void> {
  const { stdout } = await kubectl(ctx, ['get', 'nodes', '-o', 'name']);
  const existing = new Set(stdout.split('\n').map((line) => line.trim().replace(/^node\//, '')));
  const missing = nodes.filter((node) => !existing.has(node.name));
  if (missing.length === 0) return;
  const manifestPath = path.join(ctx.layout.testbedDir, 'nodes-manifest.yaml');
  fs.writeFileSync(manifestPath, renderNodeManifests(missing, ctx.versions.kwok, size));
  await kubectl(ctx, ['create', '-f', manifestPath]);
  ctx.log(`registered KWOK nodes ${missing.map((node) => node.name).join(', ')}`);
}

export async function waitClusterReady(ctx: ClusterContext, nodes: readonly TestbedNode[], timeoutMs: number): Promise<void> {
  await waitFor('the API server to answer /readyz', async () => ((await apiReady(ctx)) ? true : undefined), timeoutMs);
  await waitFor(
    `nodes ${nodes.map((node) => node.name).join(', ')} to be Ready`,
    async () => {
      const { stdout } = await kubectl(ctx, [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      const ready = new Set(stdout.split('\n').filter((line) => line.endsWith('=True')).map((line) => line.slice(0, -'=True'.length)));
      return nodes.every((node) => ready.has(node.name)) ? true : undefined;
    },
    timeoutMs,
    1000,
  );
}

/**
 * Processes the test bed started that still run: binaries executed from kwokctl's bin folder inside the
 * test bed folder, sshd listeners using a node host config from it, standard-port forwards logging into it, and
 * their descendants (SSH sessions).
 * Other programs that merely mention the test bed folder (an ssh client using its key) are not ours to stop.
 */
export function leftoverProcesses(layout: TestbedLayout): { pid: number; command: string }[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      commands.set(pid, commandLine(pid));
    } catch {
      // the process ended while we looked
    }
  }
  const binDir = `${layout.kwokClusterDir}/bin/`;
  const nodesDir = `${layout.testbedDir}/nodes/`;
  const forwardLog = `socat -lf ${layout.testbedDir}/forwards/`;
  const ours = (command: string) =>
    command.startsWith(binDir) ||
    command.startsWith(forwardLog) ||
    (/^sshd: \S*sshd -f /.test(command) && command.includes(` -f ${nodesDir}`));
  const isOursOrDescendant = (pid: number): boolean => {
    for (let current: number | undefined = pid, hops = 0; current !== undefined && current > 1 && hops < 64; hops++) {
      if (ours(commands.get(current) ?? '')) return true;
      current = parents.get(current);
    }
    return false;
  };
  return [...commands.keys()]
    .filter((pid) => pid !== process.pid && isOursOrDescendant(pid) && isAlive(pid))
    .map((pid) => ({ pid, command: commands.get(pid) ?? '' }));
}
