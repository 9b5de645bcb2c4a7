/**
 * Where real nodes can run, decided from recorded facts only (pure: no file is read here). The facts are a
 * host's /proc/self/mountinfo, /proc/cgroups, the /sys/fs/cgroup layout (controllers files, writability), PID 1's
 * name, the tools present and the user; cgroupHostRecord.ts reads them from the live host or from a recording.
 * The answer is a plan (cgroup v1 or v2, and how each node's subtree is delegated) or exactly what is missing
 * and what to do about it.
 */

export interface CgroupHostFacts {
  uid: number;
  /** /proc/1/comm: `systemd` on most hosts; a shell, an init shim or a sandbox's agent in containers and CI. */
  pid1Comm: string;
  mountinfo: string;
  /** /proc/cgroups: the controllers this kernel has, their v1 hierarchy (0 = free for v2) and whether enabled. */
  procCgroups: string;
  /** The tools present, as absolute paths (of TOOLS). */
  tools: string[];
  /** `lxcfs --version` (e.g. 5.0.3), when lxcfs is present. */
  lxcfsVersion?: string;
  /** Small files under /sys/fs/cgroup read for the decision: path → content. An absent path does not exist. */
  files: Record<string, string>;
  /** Paths under /sys/fs/cgroup this user may write (access W_OK: false on a read-only mount too). */
  writable: string[];
  /** systemd's private socket (/run/systemd/private) exists: systemd-run can ask PID 1 for a scope. */
  systemdBus: boolean;
}

export type Hierarchy = 'v1' | 'v2';
/** v1-by-hand: a cgroup per node in each v1 controller (today's test bed); systemd-scope: a transient scope with
 * Delegate=yes per node; v2-by-hand: a subtree made under the cgroup2 root, controllers enabled by hand. */
export type Delegation = 'v1-by-hand' | 'systemd-scope' | 'v2-by-hand';

export interface CgroupPlan {
  hierarchy: Hierarchy;
  delegation: Delegation;
  /** Where the nodes' subtrees go: the cgroup2 mount (v2) or the v1 controllers' folder. */
  cgroupRoot: string;
}

export interface Missing {
  what: string;
  fix: string;
}

export type CgroupVerdict = { ok: true; plan: CgroupPlan } | { ok: false; hierarchy?: Hierarchy; missing: Missing[] };

/** The v1 controllers each real node gets a cgroup in (realnodes/cgroupV1.ts). */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'cpuset', 'blkio', 'devices', 'freezer'] as const;
/** The v2 controllers a node's subtree needs: cpu.max, memory.max, pids.max. */
export const V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;
const CGROUP_ROOT = '/sys/fs/cgroup';

/** The tools real nodes need, with the Debian package that brings each. */
export const TOOLS: readonly { path: string; pkg: string }[] = [
  { path: '/usr/bin/systemd-nspawn', pkg: 'systemd-container' },
  { path: '/usr/bin/lxcfs', pkg: 'lxcfs' },
  { path: '/usr/bin/mmdebstrap', pkg: 'mmdebstrap' },
  { path: '/usr/bin/socat', pkg: 'socat' },
];
const SYSTEMD_RUN = '/usr/bin/systemd-run';

export interface CgroupMount {
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  /** v1: the controllers bound to this hierarchy (from its super options); v2: empty. */
  controllers: string[];
  readOnly: boolean;
}

/** The cgroup mounts in a mountinfo text (proc(5): fields, then ` - `, fstype, source, super options). */
export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.trim().split(/\s+/);
    const [fsType, , superOptions = ''] = after.trim().split(/\s+/);
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = (fields[4] ?? '').replace(/\\040/g, ' ');
    const readOnly = (fields[5] ?? '').split(',').includes('ro');
    const notController = /^(rw|ro|name=.*|release_agent=.*|clone_children|noprefix|xattr)$/;
    const controllers = fsType === 'cgroup' ? superOptions.split(',').filter((option) => !notController.test(option)) : [];
    mounts.push({ mountPoint, fsType, controllers, readOnly });
  }
  return mounts;
}

interface KernelController {
  hierarchy: number;
  enabled: boolean;
}

/** /proc/cgroups: subsys_name, hierarchy, num_cgroups, enabled. */
export function kernelControllers(procCgroups: string): Map<string, KernelController> {
  const map = new Map<string, KernelController>();
  for (const line of procCgroups.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [name, hierarchy, , enabled] = line.trim().split(/\s+/);
    if (name) map.set(name, { hierarchy: Number(hierarchy), enabled: enabled === '1' });
  }
  return map;
}

const kernelLacks = (controller: string): Missing => ({
  what: `the ${controller} controller (a kernel feature)`,
  fix: `use a kernel built with the ${controller} cgroup controller`,
});

const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);

function toolsMissing(facts: CgroupHostFacts): Missing[] {
  return TOOLS.filter((tool) => !facts.tools.includes(tool.path)).map((tool) => ({
    what: tool.path,
    fix: `install the Debian package ${tool.pkg} (scripts/testbed/install-apt.sh installs what real nodes need)`,
  }));
}

/** What the v1 path (today's, unchanged) lacks here: every controller at /sys/fs/cgroup/<name>, writable. */
function v1Missing(facts: CgroupHostFacts): Missing[] {
  const missing: Missing[] = [];
  const kernel = kernelControllers(facts.procCgroups);
  for (const controller of V1_CONTROLLERS) {
    const dir = `${CGROUP_ROOT}/${controller}`;
    if (!(`${dir}/tasks` in facts.files)) {
      const known = kernel.get(controller);
      missing.push(
        known === undefined
          ? kernelLacks(controller)
          : {
              what: `the cgroup v1 ${controller} controller at ${dir}`,
              fix: `mkdir -p ${dir} && mount -t cgroup -o ${controller} cgroup ${dir}`,
            },
      );
    } else if (!facts.writable.includes(dir)) {
      missing.push({ what: `a writable ${dir}`, fix: 'run on the host or in a privileged container (cgroups are read-only otherwise)' });
    }
  }
  if (`${CGROUP_ROOT}/cpu/tasks` in facts.files && !(`${CGROUP_ROOT}/cpu/cpu.cfs_quota_us` in facts.files)) {
    missing.push({
      what: 'CFS bandwidth control (cpu.cfs_quota_us, a kernel feature)',
      fix: 'use a kernel built with CONFIG_CFS_BANDWIDTH (every distribution kernel is)',
    });
  }
  return missing;
}

/** Why a v2 controller is not offered at the cgroup2 root, and what to do. */
function v2ControllerMissing(controller: string, kernel: Map<string, KernelController>, mounts: CgroupMount[]): Missing {
  const known = kernel.get(controller);
  if (known === undefined) return kernelLacks(controller);
  if (!known.enabled) {
    return {
      what: `the ${controller} controller (disabled at boot)`,
      fix: `remove cgroup_disable=${controller} from the kernel command line, or add cgroup_enable=${controller}`,
    };
  }
  const v1 = mounts.find((mount) => mount.fsType === 'cgroup' && mount.controllers.includes(controller));
  if (v1) {
    return {
      what: `the ${controller} controller on cgroup v2 (cgroup v1 holds it at ${v1.mountPoint})`,
      fix: `unmount ${v1.mountPoint}, or boot with systemd.unified_cgroup_hierarchy=1`,
    };
  }
  return {
    what: `the ${controller} controller in this cgroup (its parent delegated none)`,
    fix: 'give this container or service a delegated cgroup (docker run --privileged --cgroupns=private, or systemd Delegate=yes)',
  };
}

function v2Verdict(facts: CgroupHostFacts, root: CgroupMount, missing: Missing[]): CgroupVerdict {
  const mounts = cgroupMounts(facts.mountinfo);
  const kernel = kernelControllers(facts.procCgroups);
  const offered = words(facts.files[`${root.mountPoint}/cgroup.controllers`]);
  for (const controller of V2_CONTROLLERS) {
    if (!offered.includes(controller)) missing.push(v2ControllerMissing(controller, kernel, mounts));
  }
  if (root.readOnly || !facts.writable.includes(root.mountPoint)) {
    missing.push({
      what: `a writable cgroup subtree (${root.mountPoint} is read-only here)`,
      fix: 'run on the host, or in a container with a writable cgroup mount (docker run --privileged --cgroupns=private)',
    });
  }
  const [major] = (facts.lxcfsVersion ?? '').split('.').map(Number);
  if (facts.tools.includes('/usr/bin/lxcfs') && major !== undefined && Number.isFinite(major) && major < 4) {
    missing.push({
      what: `lxcfs 4 or later for cgroup v2 (found ${facts.lxcfsVersion})`,
      fix: 'install lxcfs 5 (Debian 12 and Ubuntu 22.04 have it)',
    });
  }
  const systemd = facts.pid1Comm === 'systemd' && facts.systemdBus && facts.tools.includes(SYSTEMD_RUN);
  if (!systemd) {
    // By hand: the nodes' parent is made under the mount's cgroup, which must be able to hand controllers down:
    // the true root always can; another cgroup (a container's) only while it holds no processes of its own.
    const isRoot = !(`${root.mountPoint}/cgroup.type` in facts.files);
    const enabled = words(facts.files[`${root.mountPoint}/cgroup.subtree_control`]);
    const busy = words(facts.files[`${root.mountPoint}/cgroup.procs`]).length > 0;
    if (!isRoot && busy && !V2_CONTROLLERS.every((controller) => enabled.includes(controller))) {
      missing.push({
        what: `a cgroup subtree that can take controllers (${root.mountPoint} is this container's cgroup and holds its processes)`,
        fix: `move them into a child first, as Docker-in-Docker does: mkdir ${root.mountPoint}/init && ` +
          `for p in $(cat ${root.mountPoint}/cgroup.procs); do echo $p > ${root.mountPoint}/init/cgroup.procs; done`,
      });
    }
  }
  if (missing.length > 0) return { ok: false, hierarchy: 'v2', missing };
  return { ok: true, plan: { hierarchy: 'v2', delegation: systemd ? 'systemd-scope' : 'v2-by-hand', cgroupRoot: root.mountPoint } };
}

/**
 * The decision. cgroup v1 (every controller realnodes/cgroupV1.ts uses mounted at /sys/fs/cgroup/<name>) keeps today's
 * path, hybrid hosts included; a unified host (cgroup2 at /sys/fs/cgroup) takes the v2 path.
 */
export function decideCgroupHost(facts: CgroupHostFacts): CgroupVerdict {
  const missing: Missing[] = [];
  if (facts.uid !== 0)
    missing.push({ what: 'root', fix: 'run as root (sudo): real nodes need systemd-nspawn, network namespaces and cgroups' });
  missing.push(...toolsMissing(facts));
  const mounts = cgroupMounts(facts.mountinfo);
  const unified = mounts.find((mount) => mount.fsType === 'cgroup2' && mount.mountPoint === CGROUP_ROOT);
  if (unified) return v2Verdict(facts, unified, missing);
  if (!mounts.some((mount) => mount.fsType === 'cgroup' && mount.mountPoint.startsWith(`${CGROUP_ROOT}/`))) {
    missing.push({ what: `a cgroup file system at ${CGROUP_ROOT}`, fix: `mount cgroup v2 there: mount -t cgroup2 cgroup2 ${CGROUP_ROOT}` });
    return { ok: false, missing };
  }
  missing.push(...v1Missing(facts));
  if (missing.length > 0) return { ok: false, hierarchy: 'v1', missing };
  return { ok: true, plan: { hierarchy: 'v1', delegation: 'v1-by-hand', cgroupRoot: CGROUP_ROOT } };
}

const DELEGATION_TEXT: Record<Delegation, string> = {
  'v1-by-hand': 'a cgroup per node in each v1 controller under /sys/fs/cgroup/<controller>/hardenlab-<namespace>',
  'systemd-scope': 'a transient systemd scope per node with Delegate=yes (systemd-run --scope)',
  'v2-by-hand': 'a subtree per node made by hand under /sys/fs/cgroup/hardenlab-<namespace> (controllers enabled in subtree_control)',
};

/** The one-line answer for `testbed up --nodes real` and the demo. */
export function describeCgroupPlan(plan: CgroupPlan): string {
  const unified = plan.hierarchy === 'v2' ? ' (unified)' : '';
  const line = `real nodes use cgroup ${plan.hierarchy}${unified}: ${DELEGATION_TEXT[plan.delegation]}; 1 CPU, 2 GiB, 4096 tasks each`;
  return plan.hierarchy === 'v2' ? `${line}\n${V2_PROC_STAT}` : line;
}

/** lxcfs takes a container's CPU use only from cgroup v1's cpuacct: on v2 a node's own sysstat sees the host's CPU. */
export const V2_PROC_STAT =
  "note: on cgroup v2 a node's own /proc/stat, and so sar inside it, shows the host's CPU (lxcfs has no v2 CPU view, " +
  "lxc/lxcfs#593); the sampler takes each node's CPU from its own cgroup (cpu.stat) instead, as testbed status does";

/** Every missing piece with what to do, one per line after a heading. */
export function describeMissing(verdict: Extract<CgroupVerdict, { ok: false }>): string {
  const on = verdict.hierarchy ? ` on this cgroup ${verdict.hierarchy} host` : '';
  return [`real nodes cannot run here${on}; missing:`, ...verdict.missing.map((item) => `  - ${item.what}: ${item.fix}`)].join('\n');
}
