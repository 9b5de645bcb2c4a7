import * as path from 'node:path';
import type { NamespaceBed } from './forwards';

/**
 * What every step of a real node's life needs to know of its bed: the state folder and network namespace (forwards.ts),
 * the bridge, how each node gets its cgroups, and each node's size and the registry's port from the configuration in
 * force. Built once by realNodes.ts (nodeBedOf); passed to each step instead of an environment.
 */
export type NodeCgroupMode = { mode: 'v1' } | { mode: 'systemd-scope' | 'v2-by-hand'; root: string };

export interface NodeBed extends NamespaceBed {
  /** The bridge inside the namespace that every node's veth joins. */
  bridge: string;
  /** The bridge's address: the registry listens there, and the nodes reach the API server there. */
  gateway: string;
  cgroups: NodeCgroupMode;
  /** Each node's CPU in thousandths of a CPU (its CFS quota per 100 ms period, cpu.max, CPUQuota). */
  cpuMilli: number;
  /** Each node's memory limit in bytes, with no swap beyond it. */
  memoryBytes: number;
  /** The registry's port on the gateway. */
  registryPort: number;
}

export interface NodeIdentity {
  name: string;
  /** 1-based: the node's address in the namespace is 10.77.0.<10+index> (kubeletFiles.ts's nodeIp). */
  index: number;
}

/** The services' cluster IPs (the API server's default range): each node routes them to itself, for kube-proxy. */
export const SERVICE_CIDR = '10.0.0.0/24';
/** The task limit of every node's cgroup. */
export const NODE_PIDS_MAX = 4096;
/** The CFS period the CPU quota is given in (microseconds). */
export const CPU_PERIOD_US = 100_000;

/** The cgroup every node's own cgroup sits in (v1 controllers, or v2 by hand): one per bed. */
export const cgroupParent = (bed: NamespaceBed) => `hardenlab-${bed.namespace}`;
export const nodeDir = (bed: NamespaceBed, name: string) => path.join(bed.state, 'nodes', name);
export const nodeRootfs = (bed: NamespaceBed, name: string) => path.join(nodeDir(bed, name), 'rootfs');
export const lxcfsDir = (bed: NamespaceBed) => path.join(bed.state, 'lxcfs');
/** A node's CFS quota in microseconds per CPU_PERIOD_US. */
export const cpuQuotaUs = (bed: Pick<NodeBed, 'cpuMilli'>) => bed.cpuMilli * 100;
