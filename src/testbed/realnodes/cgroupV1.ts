import * as fs from 'node:fs';
import * as path from 'node:path';
import { V1_CONTROLLERS } from '../cgroupHost';
import { killCgroup, removeCgroupTree, writeCgroupFile } from './cgroupFiles';
import { CPU_PERIOD_US, NODE_PIDS_MAX, cgroupParent, cpuQuotaUs, type NodeBed } from './nodeBed';
import type { NamespaceBed } from './forwards';

/**
 * A node's cgroups on cgroup v1 (this project's machines): a cgroup of its own in each controller, under the bed's
 * parent. The launcher joins them (its `tasks` files) before it starts nspawn, so everything the node runs is charged
 * there. `root` is where the controllers are mounted (a stand-in tree in the unit tests).
 */
export const V1_ROOT = '/sys/fs/cgroup';

/**
 * The devices a node (and every pod in it) may open: the pseudo devices, terminals, tun (runc's and containerd's
 * default set for a container, which must be a subset) and the kernel log the kubelet reads. Device nodes may be
 * created (runc makes them for containers) but not opened otherwise, so no host disk or memory device is reachable
 * from a node. (A privileged pod, which asks for every device, cannot start on these nodes.)
 */
export const NODE_DEVICE_RULES = [
  'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 1:11 rw',
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm',
] as const;

export const v1NodeCgroup = (bed: NamespaceBed, name: string, controller: string, root = V1_ROOT) =>
  path.join(root, controller, cgroupParent(bed), name);

/** The v1 `tasks` files the launcher writes its pid to, one per controller. */
export function v1TaskFiles(bed: NamespaceBed, name: string, root = V1_ROOT): string[] {
  return V1_CONTROLLERS.map((controller) => path.join(v1NodeCgroup(bed, name, controller, root), 'tasks'));
}

/**
 * The node's limits, in the order they are written: the configured CPU (CFS quota) and memory, no swap beyond it
 * (memsw only where the kernel accounts swap), and the task limit.
 */
export function v1NodeLimits(bed: NodeBed, name: string, root = V1_ROOT): { file: string; value: string }[] {
  const at = (controller: string, file: string) => path.join(v1NodeCgroup(bed, name, controller, root), file);
  const memsw = at('memory', 'memory.memsw.limit_in_bytes');
  return [
    { file: at('cpu', 'cpu.cfs_period_us'), value: String(CPU_PERIOD_US) },
    { file: at('cpu', 'cpu.cfs_quota_us'), value: String(cpuQuotaUs(bed)) },
    { file: at('memory', 'memory.limit_in_bytes'), value: String(bed.memoryBytes) },
    ...(fs.existsSync(memsw) ? [{ file: memsw, value: String(bed.memoryBytes) }] : []),
    { file: at('pids', 'pids.max'), value: String(NODE_PIDS_MAX) },
  ];
}

/** Makes the node's cgroup in every controller: devices allowed, cpuset copied from the root, then its limits. */
export function prepareV1NodeCgroups(bed: NodeBed, name: string, root = V1_ROOT): void {
  for (const controller of V1_CONTROLLERS) {
    const cgroup = v1NodeCgroup(bed, name, controller, root);
    fs.mkdirSync(cgroup, { recursive: true });
    if (controller === 'devices') {
      writeCgroupFile(path.join(cgroup, 'devices.deny'), 'a');
      for (const rule of NODE_DEVICE_RULES) writeCgroupFile(path.join(cgroup, 'devices.allow'), rule);
    }
    if (controller === 'cpuset') {
      // A new cpuset cgroup starts with no CPUs and no memory nodes: both levels get the root's.
      for (const dir of [path.dirname(cgroup), cgroup]) {
        for (const file of ['cpuset.cpus', 'cpuset.mems']) {
          fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(root, 'cpuset', file)));
        }
      }
    }
  }
  for (const { file, value } of v1NodeLimits(bed, name, root)) writeCgroupFile(file, value);
}

/** After the node's launcher has stopped: ends whatever is left in the node's cgroups, then removes them bottom-up. */
export async function removeV1NodeCgroups(bed: NamespaceBed, name: string, root = V1_ROOT): Promise<void> {
  for (const controller of ['pids', 'memory']) killCgroup(v1NodeCgroup(bed, name, controller, root));
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const controller of V1_CONTROLLERS) removeCgroupTree(v1NodeCgroup(bed, name, controller, root));
}

/** The bed's parent cgroups, once every node is gone. */
export function removeV1Parents(bed: NamespaceBed, root = V1_ROOT): void {
  for (const controller of V1_CONTROLLERS) {
    try {
      fs.rmdirSync(path.join(root, controller, cgroupParent(bed)));
    } catch {
      // busy, or never made
    }
  }
}
