import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, waitFor, type Log } from '../../process/subprocess';
import { forwardAlive, forwardOut, netnsPath, pidsDir, spawnInBed, stopBedProcess, stopForward, type NamespaceBed } from './forwards';

/**
 * The real nodes' network: a namespace of the bed's own with a bridge the nodes join, lxcfs (each node's /proc view
 * of its own cgroup limits), and the API server's forward into it. The namespace gets no link to the host's (no veth
 * out, no default route, no NAT, forwarding off): the host reaches it only through forwards.ts's unix sockets.
 * bedNetworkDown undoes it with the registry, once the nodes are off.
 */
export interface BedNetwork extends NamespaceBed {
  bridge: string;
  /** The bridge's address: the namespace's end of the API forward (a /24 the nodes share). */
  gateway: string;
  /** The API server's port on host loopback, forwarded to the same port on the gateway. */
  apiPort: number;
}

const inNamespace = (bed: NamespaceBed, args: readonly string[]) => run('nsenter', [`--net=${netnsPath(bed)}`, ...args]);

/**
 * Each node's systemd, containerd and kubelet hold inotify instances and watches, all charged to root on the host. The
 * kernel's default of 128 instances per user runs out with two beds, and kubelets then exit with "too many open files":
 * raise the two limits (never lower them), as kind documents.
 */
function raiseInotifyLimits(log: Log): void {
  for (const [key, want] of [['max_user_instances', 1024], ['max_user_watches', 524288]] as const) {
    const file = `/proc/sys/fs/inotify/${key}`;
    if (Number(fs.readFileSync(file, 'utf8')) >= want) continue;
    fs.writeFileSync(file, `${want}\n`);
    log(`raised fs.inotify.${key} to ${want} (each real node holds inotify instances charged to root)`);
  }
}

async function namespaceUp(bed: BedNetwork, log: Log): Promise<void> {
  if (fs.existsSync(netnsPath(bed))) return;
  await run('ip', ['netns', 'add', bed.namespace]);
  await inNamespace(bed, ['ip', 'link', 'set', 'lo', 'up']);
  await inNamespace(bed, ['ip', 'link', 'add', bed.bridge, 'type', 'bridge']);
  await inNamespace(bed, ['ip', 'addr', 'add', `${bed.gateway}/24`, 'dev', bed.bridge]);
  await inNamespace(bed, ['ip', 'link', 'set', bed.bridge, 'up']);
  // Cloud metadata (169.254.169.254) answers "prohibited" at once from inside; tools try it (kube-hunter --pod).
  await inNamespace(bed, ['ip', 'route', 'add', 'prohibit', '169.254.0.0/16']);
  log(`network namespace ${bed.namespace} with bridge ${bed.bridge} ${bed.gateway}/24 (no route out)`);
}

const isMountpoint = (dir: string) => run('mountpoint', ['-q', dir], { timeoutMs: 10_000 }).then(() => true, () => false);

async function lxcfsUp(bed: NamespaceBed): Promise<void> {
  const dir = path.join(bed.state, 'lxcfs');
  if (await isMountpoint(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  const pidfile = path.join(bed.state, 'lxcfs.pidfile');
  spawnInBed(bed, 'lxcfs', 'lxcfs', ['-f', '-l', '--enable-cfs', '--enable-pidfd', '-p', pidfile, dir]);
  const readable = async () => fs.existsSync(path.join(dir, 'proc', 'stat')) || undefined;
  await waitFor(`lxcfs on ${dir}`, readable, 10_000, 100);
}

/** Makes what is missing of the bed's network (net-up): the namespace and bridge, lxcfs, and the API forward. */
export async function bedNetworkUp(bed: BedNetwork, log: Log): Promise<void> {
  fs.mkdirSync(bed.state, { recursive: true });
  raiseInotifyLimits(log);
  await namespaceUp(bed, log);
  await lxcfsUp(bed);
  if (await forwardAlive(bed, 'api')) return;
  await stopForward(bed, 'api');
  await forwardOut(bed, 'api', bed.gateway, bed.apiPort, `127.0.0.1:${bed.apiPort}`);
}

/** Stops every forward, the registry and lxcfs, and deletes the namespace (net-down). */
export async function bedNetworkDown(bed: NamespaceBed): Promise<void> {
  const forwards = fs.existsSync(pidsDir(bed)) ? fs.readdirSync(pidsDir(bed)).filter((file) => /^fwd-.*\.pid$/.test(file)) : [];
  for (const file of forwards) await stopBedProcess(bed, file.slice(0, -'.pid'.length), 2_000);
  await stopBedProcess(bed, 'registry', 5_000);
  await stopBedProcess(bed, 'lxcfs', 10_000);
  const lxcfs = path.join(bed.state, 'lxcfs');
  if (await isMountpoint(lxcfs)) await run('umount', ['-l', lxcfs]);
  if (fs.existsSync(netnsPath(bed))) await run('ip', ['netns', 'del', bed.namespace]);
  fs.rmSync(path.join(bed.state, 'fwd'), { recursive: true, force: true });
}
