/**
 * The load pod's output (issue 27), read back into the worker's HttpLoadResult: vegeta's JSON report (its report
 * container's log) and busybox time's line from the attack container's log (the generator's own CPU). Checked with zod;
 * bad output fails naming the field. Pure.
 */
import { z } from 'zod';
import type { QuantileSummary } from '../analysis/load';
import type { LoadRequest } from '../domain/requestSets';
import type { HttpLoadResult } from './httpLoad';
import { RUSAGE_MARKER } from './loadPod';

const count = z.number().int().nonnegative();
const nanoseconds = z.number().nonnegative();

/** What of vegeta's `report -type=json` is used (github.com/tsenart/vegeta/v12 lib/metrics.go); more fields are allowed. */
const vegetaReportSchema = z.object({
  latencies: z.object({ mean: nanoseconds, '50th': nanoseconds, '95th': nanoseconds, '99th': nanoseconds, max: nanoseconds }),
  /** The attack's span, first to last request, and the wait for the last answer. */
  duration: nanoseconds,
  wait: nanoseconds,
  requests: count,
  status_codes: z.record(z.string().regex(/^\d+$/, 'a status code'), count),
  errors: z.array(z.string()).nullable(),
});
export type VegetaReport = z.output<typeof vegetaReportSchema>;

export class LoadPodOutputError extends Error {}

export function parseVegetaReport(text: string): VegetaReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LoadPodOutputError(`the load pod's vegeta report is not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
  }
  const parsed = vegetaReportSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(report)'}: ${i.message}`);
  throw new LoadPodOutputError(`the load pod's vegeta report is not as expected: ${problems.join('; ')}`);
}

export interface AttackUsage {
  elapsedSeconds: number;
  userSeconds: number;
  systemSeconds: number;
}

/** busybox time's line (`hardenlab-rusage <elapsed> <user> <system>`) in the attack container's log. */
export function parseAttackUsage(log: string): AttackUsage {
  const line = log.split('\n').find((l) => l.startsWith(`${RUSAGE_MARKER} `));
  if (!line) throw new LoadPodOutputError(`the load pod's attack log has no "${RUSAGE_MARKER}" line: ${log.slice(-300)}`);
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const names = ['elapsed', 'user', 'system'];
  const bad = names.filter((_, i) => !(Number.isFinite(fields[i]) && fields[i]! >= 0));
  if (fields.length !== 3 || bad.length > 0)
    throw new LoadPodOutputError(`the load pod's "${RUSAGE_MARKER}" line has no valid ${bad.join(', ') || 'fields'} seconds: ${line}`);
  return { elapsedSeconds: fields[0]!, userSeconds: fields[1]!, systemSeconds: fields[2]! };
}

export interface PodLoadShape {
  requests: readonly LoadRequest[];
  requestsPerSecond: number;
  durationMs: number;
}

const ms = (ns: number) => ns / 1e6;

/**
 * The pod's run as the worker's result. Answered as expected: the answers with a status the request set expects (vegeta
 * counts statuses, not per request). Latency quantiles are vegeta's over every request it sent (its own estimator).
 */
export function podLoadResult(report: VegetaReport, usage: AttackUsage, shape: PodLoadShape): HttpLoadResult {
  const expected = new Set(shape.requests.map((r) => String(r.expectStatus)));
  const ok = Object.entries(report.status_codes).reduce((sum, [code, n]) => sum + (expected.has(code) ? n : 0), 0);
  const spanSeconds = shape.durationMs / 1000;
  // vegeta sends at 0, 1/rate, … while inside the span: ceil(rate × span) requests.
  const due = Math.ceil(shape.requestsPerSecond * spanSeconds - 1e-9);
  const skippedBusy = Math.max(0, due - report.requests);
  const errors = report.requests - ok + skippedBusy;
  const latencyMs: QuantileSummary = {
    n: report.requests,
    ...(report.requests === 0
      ? { p50: null, p95: null, p99: null, max: null, mean: null }
      : {
          p50: ms(report.latencies['50th']),
          p95: ms(report.latencies['95th']),
          p99: ms(report.latencies['99th']),
          max: ms(report.latencies.max),
          mean: ms(report.latencies.mean),
        }),
  };
  const cpuSeconds = usage.userSeconds + usage.systemSeconds;
  // vegeta lists a status outside 2xx/3xx as an error ("404 Not Found"): not one when the request set expects it.
  const errorSamples = (report.errors ?? []).filter((e) => !expected.has(e.split(' ')[0]!));
  return {
    offeredPerSecond: shape.requestsPerSecond,
    achievedPerSecond: ok / spanSeconds,
    due,
    sent: report.requests,
    ok,
    errors,
    errorRate: due === 0 ? 0 : errors / due,
    skippedBusy,
    latencyMs,
    // The last request's start against its due time: the attack's span beyond the schedule's.
    maxLagMs: Math.max(0, ms(report.duration) - (Math.max(1, report.requests) - 1) * (1000 / shape.requestsPerSecond)),
    cpu: { seconds: cpuSeconds, shareOfOneCore: cpuSeconds / spanSeconds },
    errorSamples: errorSamples.slice(0, 5),
  };
}
