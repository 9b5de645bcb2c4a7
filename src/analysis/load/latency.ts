/**
 * Latency quantiles of the load phase (issue 27): pod startup as kube-burner's podLatency defines it, and the
 * API latency of creates and deletes as the client saw it. Quantiles are R's type 7, as the rest of the report.
 */
import { quantileType7Sorted } from '../stats/descriptive';

export interface QuantileSummary {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function quantileSummary(values: ArrayLike<number>): QuantileSummary {
  const n = values.length;
  if (n === 0) return { n, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (const v of sorted) total += v;
  const q = (p: number) => quantileType7Sorted(sorted, p);
  return { n, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted[n - 1]!, mean: total / n };
}

/** kube-burner's podLatency phases, each measured from the pod's creationTimestamp. */
export const POD_PHASES = [
  { phase: 'scheduled', condition: 'PodScheduled' },
  { phase: 'initialized', condition: 'Initialized' },
  { phase: 'containersReady', condition: 'ContainersReady' },
  { phase: 'ready', condition: 'Ready' },
] as const;
export type PodPhase = (typeof POD_PHASES)[number]['phase'];

/** A pod's phase latencies in milliseconds; a phase the pod never reached (condition absent or not True) is absent. */
export interface PodStartup {
  pod: string;
  createdMs: number;
  phases: Partial<Record<PodPhase, number>>;
}

export class PodDataError extends Error {
  constructor(where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'PodDataError';
  }
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

function timeOf(value: unknown, where: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new PodDataError(where, `expected an RFC 3339 time, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * One pod's startup from its object as the API returns it (metadata.creationTimestamp, status.conditions[]
 * lastTransitionTime). The API gives these times to the second, so each figure is within ±1 s.
 */
export function podStartup(pod: unknown, where = 'pod'): PodStartup {
  const metadata = record(record(pod)?.metadata);
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  if (!name) throw new PodDataError(where, 'has no metadata.name');
  const at = `${where} ${name}`;
  const createdMs = timeOf(metadata!.creationTimestamp, `${at}: metadata.creationTimestamp`);
  const conditions = record(record(pod)!.status)?.conditions ?? [];
  if (!Array.isArray(conditions)) throw new PodDataError(at, 'status.conditions is not a list');
  const phases: PodStartup['phases'] = {};
  for (const { phase, condition } of POD_PHASES) {
    const found = conditions.map(record).find((c) => c?.type === condition);
    if (found?.status !== 'True') continue;
    phases[phase] = timeOf(found.lastTransitionTime, `${at}: condition ${condition}.lastTransitionTime`) - createdMs;
  }
  return { pod: name, createdMs, phases };
}

export interface PodStartupSummary {
  pods: number;
  /** Per phase, milliseconds from creation; `n` counts the pods that reached it. */
  phases: Record<PodPhase, QuantileSummary>;
  /** Pods that never became Ready within the record. */
  neverReady: number;
}

export function summarizePodStartup(startups: readonly PodStartup[]): PodStartupSummary {
  const reached = (phase: PodPhase) => startups.flatMap((s) => (s.phases[phase] === undefined ? [] : [s.phases[phase]]));
  const summaries = POD_PHASES.map(({ phase }) => [phase, quantileSummary(reached(phase))]);
  const phases = Object.fromEntries(summaries) as Record<PodPhase, QuantileSummary>;
  return { pods: startups.length, phases, neverReady: startups.filter((s) => s.phases.ready === undefined).length };
}

/** A pod list (`kubectl get pods -o json`, or the API's PodList) to startups. */
export function podListStartups(list: unknown, source = 'pod list'): PodStartup[] {
  const items = record(list)?.items;
  if (!Array.isArray(items)) throw new PodDataError(source, 'has no items list');
  return items.map((pod, i) => podStartup(pod, `${source} items[${i}]`));
}

export type ApiOperation = 'create' | 'delete';

/** One API call as the client timed it. */
export interface ApiCall {
  op: ApiOperation;
  ms: number;
  ok: boolean;
}

export interface ApiLatencySummary {
  /** Successful calls only: a refused create is not a create's latency. */
  latency: QuantileSummary;
  calls: number;
  failed: number;
}

export function summarizeApiCalls(calls: Iterable<ApiCall>): Record<ApiOperation, ApiLatencySummary> {
  const ms: Record<ApiOperation, number[]> = { create: [], delete: [] };
  const failed: Record<ApiOperation, number> = { create: 0, delete: 0 };
  for (const call of calls) {
    if (call.ok) ms[call.op].push(call.ms);
    else failed[call.op]++;
  }
  const summary = (op: ApiOperation) => ({ latency: quantileSummary(ms[op]), calls: ms[op].length + failed[op], failed: failed[op] });
  return { create: summary('create'), delete: summary('delete') };
}
