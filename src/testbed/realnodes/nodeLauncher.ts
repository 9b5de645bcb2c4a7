import { v1TaskFiles } from './cgroupV1';
import { v2Wrap } from './cgroupV2';
import { netnsPath } from './forwards';
import { lxcfsDir, nodeRootfs, type NodeBed } from './nodeBed';

/**
 * The command that boots a node: systemd-nspawn in the bed's network namespace, inside a launcher that joins the
 * node's cgroups first, so nspawn and everything the node runs is charged there. Pure: the words only (nodeStart.ts
 * runs them). Every value is an argument of its own; the two sh programs are constants.
 */

/** Host folders a node may read (the kubelet, the images it imports at boot, kube-hunter's packages). */
export interface NodeReadOnlyFolders {
  kubeletDir?: string;
  imagesDir?: string;
  kubeHunterSitePackages?: string;
}

/**
 * The host folders bound read-only into every node, and where they appear inside. One more is one more line here
 * (a field of NodeReadOnlyFolders, and its entry).
 */
function readOnlyFolderBinds(folders: NodeReadOnlyFolders): string[] {
  const binds: [string | undefined, string][] = [
    [folders.kubeletDir, '/opt/hardenlab/bin'],
    [folders.imagesDir, '/opt/hardenlab/images'],
    [folders.kubeHunterSitePackages, '/opt/hardenlab/kube-hunter'],
  ];
  return binds.filter(([from]) => from).map(([from, to]) => `--bind-ro=${from}:${to}`);
}

/** /proc files lxcfs serves from the node's own cgroups (its CPU use, memory, uptime). */
const LXCFS_PROC_FILES = ['stat', 'meminfo', 'cpuinfo', 'uptime', 'loadavg', 'swaps', 'diskstats'];
/**
 * Host-wide settings the kubelet reads: a node gets read-only files with the values it wants (nodeCreate.ts writes
 * them into its rootfs, where nspawn resolves the source of a bind onto /proc) instead of a writable /proc/sys.
 */
export const NODE_SYSCTLS: Record<string, string> = { 'vm.overcommit_memory': '1', 'kernel.panic': '10', 'kernel.panic_on_oops': '1' };

export function nodeBinds(bed: NodeBed, folders: NodeReadOnlyFolders): string[] {
  return [
    `--bind=${lxcfsDir(bed)}:/var/lib/lxcfs`,
    '--bind=/dev/kmsg',
    ...LXCFS_PROC_FILES.map((file) => `--bind=/var/lib/lxcfs/proc/${file}:/proc/${file}`),
    ...Object.keys(NODE_SYSCTLS).map((key) => `--bind-ro=/var/lib/hardenlab/sysctl/${key}:/proc/sys/${key.replaceAll('.', '/')}`),
    ...readOnlyFolderBinds(folders),
  ];
}

/**
 * The node gets nspawn's default capabilities (with CAP_NET_ADMIN for its own network) plus CAP_SYSLOG (the kubelet
 * will not start without reading /dev/kmsg): what systemd, containerd, runc, the kubelet, kube-proxy and the bridge
 * CNI use. Not the other extra ones of --capability=all (CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_BPF,
 * CAP_PERFMON, CAP_MAC_ADMIN, ...), and not these defaults, which reach host-wide state: the audit rules, immutable
 * flags, terminal configuration.
 */
export const NODE_ADDED_CAPS = 'CAP_SYSLOG';
export const NODE_DROPPED_CAPS = 'CAP_AUDIT_CONTROL,CAP_LINUX_IMMUTABLE,CAP_SYS_TTY_CONFIG';

export function nspawnCommand(bed: NodeBed, name: string, folders: NodeReadOnlyFolders): string[] {
  return [
    'nsenter', `--net=${netnsPath(bed)}`,
    'systemd-nspawn', '-b', '-q', '-D', nodeRootfs(bed, name), '-M', name, '--register=no', '--keep-unit',
    `--network-bridge=${bed.bridge}`, `--capability=${NODE_ADDED_CAPS}`, `--drop-capability=${NODE_DROPPED_CAPS}`,
    '--system-call-filter=@keyring bpf', '--resolv-conf=off', '--timezone=off', '--link-journal=no',
    ...nodeBinds(bed, folders),
  ];
}

/**
 * The launcher: writes its pid to each cgroup file before `--` (v1's tasks; none on v2), then runs the command after
 * it. A reboot inside the node ends nspawn with 133 (as systemd-nspawn@.service restarts it): boot it again. SIGTERM
 * goes on to nspawn, which asks the node's systemd for an orderly poweroff.
 */
export const NODE_LAUNCHER =
  'while [ $# -gt 0 ] && [ "$1" != -- ]; do echo $$ > "$1"; shift; done; shift; ' +
  'stopping=0; trap \'stopping=1; kill -TERM "$child" 2>/dev/null\' TERM; ' +
  'while :; do "$@" & child=$!; ' +
  'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done; ' +
  '[ "$stopping" = 0 ] && [ "$rc" = 133 ] || exit "$rc"; done';

/** The whole command line of a node's launcher (its pid file's process): cgroups joined, then nspawn. */
export function launcherCommand(bed: NodeBed, name: string, folders: NodeReadOnlyFolders): string[] {
  const { cgroups } = bed;
  const tasks = cgroups.mode === 'v1' ? v1TaskFiles(bed, name) : [];
  const wrap = (part: 'launcher' | 'node') => (cgroups.mode === 'v1' ? [] : v2Wrap(bed, cgroups, name, part));
  const launcher = ['sh', '-c', NODE_LAUNCHER, 'launcher', ...tasks, '--'];
  return [...wrap('launcher'), ...launcher, ...wrap('node'), ...nspawnCommand(bed, name, folders)];
}
