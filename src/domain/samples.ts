/**
 * The measurement model shared by collection (SSH), the parsers and the analysis core.
 * Timestamps are epoch milliseconds (UTC); values are sysstat's, unrounded.
 */
export type SysstatFormat = 'sar-text' | 'sadf-csv' | 'sadf-json';

export interface CpuSample {
  time: number;
  /** 100 − %idle: the thesis's "CPU used". */
  used: number;
  user: number;
  nice: number;
  system: number;
  iowait: number;
  steal: number;
  idle: number;
}

export interface MemorySample {
  time: number;
  /** %memused as sysstat reports it. */
  memUsedPercent: number;
  /** Remaining sysstat memory fields by their sysstat names (kbmemfree, kbavail, kbbuffers, …). */
  fields: Record<string, number>;
}

/** A period in which the sampler was not running (reboot, crash), recorded instead of failing. */
/** What the sampler itself cost on one node: its CPU time and its peak memory, or why the peak was not read. */
export interface SamplerOverheadFigures {
  cpuSeconds: number;
  /** The largest peak RSS (VmHWM, KiB) over the sampler's incarnations; absent when none was read. */
  maxRssKiB?: number;
  /** Why some or all incarnations have no peak reading. */
  maxRssNotMeasured?: string;
  /** Kubernetes node access: the CPU seconds the node's access pod used (every command run through it). */
  accessPodCpuSeconds?: number;
  /** Kubernetes node access: why the access pod's CPU could not be read. */
  accessPodCostUnavailable?: string;
  /** The node had no sysstat: sadc and sadf were the access image's, copied to the node. */
  sysstatUploaded?: boolean;
}

/** The reason of a gap a failed health check records: the sampler may have run on regardless (see analysis/model/gaps.ts). */
export const UNCHECKED_GAP_REASON = 'health check failed';

export interface SamplingGap {
  node: string;
  start: number;
  end: number;
  reason: string;
}

/** Where a node's CPU % came from: sysstat's /proc/stat (sar) or the node's cgroup v2 cpu.stat (src/sampling/cgroupCpu.ts). */
export type CpuSource = 'sar' | 'cgroup';

export interface NodeSeries {
  node: string;
  /** The CPU % the analysis uses: cpuSource's (sar's in records that do not say). */
  cpu: CpuSample[];
  memory: MemorySample[];
  /** `cgroup`: the node's /proc/stat was not its own (src/sampling/cgroupCpu.ts), so cpu is its cgroup's and sar's is in sarCpu. */
  cpuSource?: CpuSource;
  /** sar's CPU figures, kept beside the cgroup's. */
  sarCpu?: CpuSample[];
}
