/** Pure readers of the node-side scripts' `key=value` output (src/sampling/samplingScripts.ts). */
import type { NodeIdentity } from '../analysis/model/runData';
import type { CpuSample, MemorySample, NodeSeries, SamplerOverheadFigures, SamplingGap } from '../domain/samples';

export interface KeyValues {
  /** Last value of each key. */
  get(key: string): string | undefined;
  /** All values of a repeated key, in order. */
  all(key: string): string[];
}

export function parseKeyValues(text: string): KeyValues {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[a-z_]+$/.test(key)) continue;
    const list = map.get(key) ?? [];
    list.push(line.slice(eq + 1).replace(/\r$/, ''));
    map.set(key, list);
  }
  return { get: (key) => map.get(key)?.at(-1), all: (key) => map.get(key) ?? [] };
}

function intOf(kv: KeyValues, key: string): number | undefined {
  const raw = kv.get(key);
  if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

export type SamplerState = 'started' | 'running' | 'restarted' | 'finished' | 'absent';

export interface EnsureOutcome {
  state: SamplerState;
  pid?: number;
  nowMs?: number;
  startedMs?: number;
  /** Data file size and last write (ms), when it exists. */
  size?: number;
  mtimeMs?: number;
  reason?: string;
  error?: string;
}

export function parseEnsureOutput(text: string): EnsureOutcome {
  const kv = parseKeyValues(text);
  const state = kv.get('state');
  const known: SamplerState[] = ['started', 'running', 'restarted', 'finished', 'absent'];
  return {
    state: known.includes(state as SamplerState) ? (state as SamplerState) : 'absent',
    pid: intOf(kv, 'pid'),
    nowMs: intOf(kv, 'now_ms'),
    startedMs: intOf(kv, 'started_ms'),
    size: intOf(kv, 'size'),
    mtimeMs: intOf(kv, 'mtime_ms') || undefined,
    reason: kv.get('reason'),
    error: kv.get('error'),
  };
}

/** `gap=<startMs> <endMs> <reason>` lines → gaps of this node. */
export function parseGaps(kv: KeyValues, node: string): SamplingGap[] {
  const gaps: SamplingGap[] = [];
  for (const line of kv.all('gap')) {
    const match = /^(\d+) (\d+) ?(.*)$/.exec(line);
    if (!match) continue;
    gaps.push({ node, start: Number(match[1]), end: Number(match[2]), reason: match[3] || 'sampler not running' });
  }
  return gaps;
}

export type SamplerOverhead = SamplerOverheadFigures;

/**
 * CPU seconds (schedstat ns when every reading has it, else ticks / CLK_TCK) and the largest VmHWM over the
 * sampler's incarnations, or why it was not measured: never a 0 that stands for "no reading".
 */
export function parseOverhead(kv: KeyValues): SamplerOverhead {
  const ticks = intOf(kv, 'cpu_ticks') ?? 0;
  const clk = intOf(kv, 'clk_tck') || 100;
  const ns = intOf(kv, 'cpu_ns');
  const peak = intOf(kv, 'max_rss_kib');
  const reasons = kv
    .all('rss_not_measured')
    .map((r) => r.trim())
    .filter(Boolean);
  const notMeasured = reasons.length > 0 ? reasons.join('; ') : peak ? undefined : 'no sampler incarnation left a record on the node';
  return {
    cpuSeconds: ns !== undefined ? ns / 1e9 : ticks / clk,
    ...(peak ? { maxRssKiB: peak } : {}),
    ...(notMeasured ? { maxRssNotMeasured: notMeasured } : {}),
  };
}

/** The node transport's own cost (the access pod's CPU) as overhead fields; nothing for SSH. */
export function transportFigures(
  cost: { cpuSeconds: number } | { unavailable: string } | undefined,
): Pick<SamplerOverhead, 'accessPodCpuSeconds' | 'accessPodCostUnavailable'> {
  if (!cost) return {};
  return 'cpuSeconds' in cost ? { accessPodCpuSeconds: cost.cpuSeconds } : { accessPodCostUnavailable: cost.unavailable };
}

export interface SysstatProbe {
  sadc?: string;
  sadf?: string;
  version?: string;
  packageManager?: string;
  user?: string;
  /** sadc and sadf are the access image's portable sysstat (src/sampling/sysstatKit.ts). */
  kit?: boolean;
}

export function parseProbe(text: string): SysstatProbe {
  const kv = parseKeyValues(text);
  const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  return {
    sadc: nonEmpty(kv.get('sadc')),
    sadf: nonEmpty(kv.get('sadf')),
    version: nonEmpty(kv.get('version')),
    packageManager: nonEmpty(kv.get('pm')),
    user: nonEmpty(kv.get('user')),
    kit: kv.get('kit') === '1',
  };
}

/** Sorted by time, one sample per timestamp (the first seen wins), so a redone collect never duplicates. */
export function dedupeByTime<T extends { time: number }>(samples: readonly T[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const sample of [...samples].sort((a, b) => a.time - b.time)) {
    if (seen.has(sample.time)) continue;
    seen.add(sample.time);
    out.push(sample);
  }
  return out;
}

/** A node's series; with cgroup samples (the node's /proc/stat was not its own) they are its CPU, and sar's are kept beside. */
export function buildSeries(
  node: string,
  cpu: readonly CpuSample[],
  memory: readonly MemorySample[],
  cgroupCpu?: readonly CpuSample[],
): NodeSeries {
  const base = { node, memory: dedupeByTime(memory) };
  if (!cgroupCpu?.length) return { ...base, cpu: dedupeByTime(cpu), cpuSource: 'sar' };
  return { ...base, cpu: dedupeByTime(cgroupCpu), cpuSource: 'cgroup', sarCpu: dedupeByTime(cpu) };
}

/** The node identity script's output (nodeIdentityScript); fields that came back empty are left out. */
export function parseNodeIdentity(text: string, node: string): NodeIdentity {
  const kv = parseKeyValues(text);
  const value = (key: string) => {
    const v = kv.get(key)?.trim();
    return v ? v : undefined;
  };
  const cpus = intOf(kv, 'cpus');
  const lxcfs = value('proc_stat_lxcfs');
  const fields = {
    machineId: value('machine_id'),
    bootId: value('boot_id'),
    kernel: value('kernel'),
    procStatLxcfs: lxcfs === undefined ? undefined : lxcfs === '1',
    cpus: cpus !== undefined && cpus > 0 ? cpus : undefined,
  };
  return { node, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}
