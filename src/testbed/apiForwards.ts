/**
 * The standard-port view of a test bed instance with an `apiAddress` of its own: its API server and etcd answer
 * on <apiAddress>:6443 and :2379 through TCP forwards (socat) to their own ports on 127.0.0.1, where kwokctl's
 * binary runtime must run them. kube-hunter --remote probes only standard ports, so it finds this test bed's
 * control plane there, and never another test bed's on 127.0.0.1:6443.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import writeFileAtomic from 'write-file-atomic';
import { TESTBED_BIND_ADDRESS, STANDARD_PORTS, apiServerUrl, type TestbedLayout } from './layout';
import { isAlive, readPidFile, stopProcess, tcpOpen, waitFor, type Log } from '../process/subprocess';

const SOCAT = 'socat';

interface Forward {
  name: string;
  listenPort: number;
  targetPort: number;
}

function forwards(layout: TestbedLayout): Forward[] {
  if (!layout.instance.apiAddress) return [];
  const { ports } = layout.instance;
  return [
    { name: 'kube-apiserver', listenPort: STANDARD_PORTS.kubeApiserver, targetPort: ports.kubeApiserver },
    { name: 'etcd', listenPort: STANDARD_PORTS.etcd, targetPort: ports.etcd },
  ];
}

/** Where the forwards keep pid files and logs; a forward's command line names its log here (see leftoverProcesses). */
export function forwardsDir(layout: TestbedLayout): string {
  return path.join(layout.testbedDir, 'forwards');
}

const pidFile = (layout: TestbedLayout, forward: Forward) => path.join(forwardsDir(layout), `${forward.name}.pid`);

/** Starts the forwards that do not run. Refuses an address:port another process holds (never shares one). */
export async function ensureApiForwards(layout: TestbedLayout, log: Log): Promise<void> {
  const address = layout.instance.apiAddress;
  if (!address) return;
  fs.mkdirSync(forwardsDir(layout), { recursive: true });
  for (const forward of forwards(layout)) {
    const pid = readPidFile(pidFile(layout, forward));
    if (pid !== undefined && isAlive(pid)) continue;
    if (await tcpOpen(address, forward.listenPort)) {
      throw new Error(`${address}:${forward.listenPort} is taken by a process this test bed did not start`);
    }
    const logFile = path.join(forwardsDir(layout), `${forward.name}.log`);
    const args = [
      '-lf',
      logFile,
      `TCP-LISTEN:${forward.listenPort},bind=${address},reuseaddr,fork`,
      `TCP:${TESTBED_BIND_ADDRESS}:${forward.targetPort}`,
    ];
    // Detached, like kwokctl's components: the test bed outlives the process that started it.
    const child = spawn(SOCAT, args, { detached: true, stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) => child.once('error', reject));
    child.unref();
    await Promise.race([
      exited,
      waitFor(
        `the ${forward.name} forward on ${address}:${forward.listenPort}`,
        async () => ((await tcpOpen(address, forward.listenPort)) ? true : undefined),
        10_000,
        100,
      ),
    ]);
    writeFileAtomic.sync(pidFile(layout, forward), String(child.pid));
    log(
      `${forward.name} also answers on ${address}:${forward.listenPort} (forward to ${TESTBED_BIND_ADDRESS}:${forward.targetPort}, ` +
        `pid ${child.pid})`,
    );
  }
}

/** Stops the forwards; returns what it stopped. */
export async function stopApiForwards(layout: TestbedLayout, log: Log): Promise<string[]> {
  const stopped: string[] = [];
  for (const forward of forwards(layout)) {
    const pid = readPidFile(pidFile(layout, forward));
    if (pid === undefined || !isAlive(pid)) continue;
    await stopProcess(pid);
    stopped.push(`forward ${forward.name}`);
    log(`forward ${forward.name} stopped (pid ${pid})`);
  }
  return stopped;
}

/** Every forward of the instance runs (true when it has none). */
export function apiForwardsRunning(layout: TestbedLayout): boolean {
  return forwards(layout).every((forward) => {
    const pid = readPidFile(pidFile(layout, forward));
    return pid !== undefined && isAlive(pid);
  });
}

/** Points the kubeconfig kwokctl wrote (127.0.0.1:<own port>) at the instance's standard-port address. */
export function pointKubeconfigAtApiAddress(layout: TestbedLayout): void {
  if (!layout.instance.apiAddress || !fs.existsSync(layout.kubeconfigPath)) return;
  const config = parse(fs.readFileSync(layout.kubeconfigPath, 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
  const own = `https://${TESTBED_BIND_ADDRESS}:${layout.instance.ports.kubeApiserver}`;
  const clusters = (config.clusters ?? []).filter((entry) => entry.cluster?.server === own);
  if (clusters.length === 0) return;
  for (const entry of clusters) entry.cluster!.server = apiServerUrl(layout.instance);
  writeFileAtomic.sync(layout.kubeconfigPath, stringify(config), { mode: 0o600 });
}
