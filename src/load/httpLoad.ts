/**
 * The HTTP load (issue 27): a fixed request set sent open-loop at a given rate to the app, recording latency
 * quantiles (successful answers, ms, as the client saw them) and the error rate, and what sending cost this
 * process in CPU (process.cpuUsage over the load: the generator's own cost, reported beside the cluster's).
 * On the test bed it runs on the host against the load-balancer address; where it runs is the caller's to say.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { quantileSummary, type QuantileSummary } from '../analysis/load';
import type { LoadRequest } from '../domain/requestSets';
import { operationsDue, runOpenLoop, type LoadClock } from './openLoop';

export interface HttpLoadPlan {
  /** The app's base URL (http only: the test bed's and a load pod's traffic stays inside the cluster's network). */
  target: string;
  requests: readonly LoadRequest[];
  requestsPerSecond: number;
  startMs: number;
  endMs: number;
  /** An answer slower than this is an error. Default 10 s. */
  timeoutMs?: number;
  /** Requests awaiting an answer at once; more are skipped and counted. Default 10 s worth of the rate, 16 to 1000. */
  maxInFlight?: number;
}

export interface HttpLoadResult {
  offeredPerSecond: number;
  /** Requests answered as expected, per second of the load's span. */
  achievedPerSecond: number;
  due: number;
  sent: number;
  ok: number;
  /** Network errors, timeouts and unexpected statuses. */
  errors: number;
  /** Errors over requests due (an unsent request is an error of the load, not hidden). */
  errorRate: number;
  skippedBusy: number;
  latencyMs: QuantileSummary;
  /** How late the latest request started against its due time (ms). */
  maxLagMs: number;
  /** The generator's own CPU over the load, and as a share of one core over the span. */
  cpu: { seconds: number; shareOfOneCore: number };
  /** A few distinct error messages, for the report. */
  errorSamples: string[];
}

export class HttpLoadTargetError extends Error {}

function baseUrl(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new HttpLoadTargetError(`the HTTP load's target ${JSON.stringify(target)} is not a URL`);
  }
  if (url.protocol !== 'http:') throw new HttpLoadTargetError(`the HTTP load's target ${url.origin} is not http://`);
  return url;
}

export async function runHttpLoad(plan: HttpLoadPlan, clock: LoadClock, signal?: AbortSignal): Promise<HttpLoadResult> {
  const base = baseUrl(plan.target);
  if (plan.requests.length === 0) throw new RangeError('the request set is empty');
  const intervalMs = 1000 / plan.requestsPerSecond;
  const maxInFlight = plan.maxInFlight ?? Math.min(1000, Math.max(16, Math.ceil(plan.requestsPerSecond * 10)));
  const timeoutMs = plan.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  const fail = (why: string) => {
    errors++;
    if (errorSamples.size < 5) errorSamples.add(why);
    return false;
  };

  const send = (request: LoadRequest) =>
    new Promise<boolean>((resolve) => {
      const t0 = performance.now();
      const req = http.request(new URL(request.path, base), { method: request.method, agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== request.expectStatus) return resolve(fail(`${request.method} ${request.path}: HTTP ${res.statusCode}`));
          latencies.push(performance.now() - t0);
          resolve(true);
        });
        res.on('error', (err) => resolve(fail(`${request.method} ${request.path}: ${err.message}`)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => resolve(fail(`${request.method} ${request.path}: ${err.message}`)));
      req.end();
    });

  const cpuBefore = process.cpuUsage();
  try {
    const options = { startMs: plan.startMs, intervalMs, endMs: plan.endMs, maxInFlight, signal };
    const tally = await runOpenLoop(options, clock, (index) => send(plan.requests[index % plan.requests.length]!));
    const cpu = process.cpuUsage(cpuBefore);
    const spanMs = plan.endMs - plan.startMs;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const due = operationsDue(options);
    return {
      offeredPerSecond: plan.requestsPerSecond,
      achievedPerSecond: tally.ok / (spanMs / 1000),
      due,
      sent: tally.started,
      ok: tally.ok,
      errors: errors + tally.skippedBusy,
      errorRate: due === 0 ? 0 : (errors + tally.skippedBusy) / due,
      skippedBusy: tally.skippedBusy,
      latencyMs: quantileSummary(latencies),
      maxLagMs: tally.maxLagMs,
      cpu: { seconds: cpuSeconds, shareOfOneCore: cpuSeconds / (spanMs / 1000) },
      errorSamples: [...errorSamples],
    };
  } finally {
    agent.destroy();
  }
}
