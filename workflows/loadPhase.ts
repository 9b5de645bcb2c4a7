/**
 * The load phase inside a scenario's window (issue 27): from the churn's start, the API server's /metrics, the pod
 * churn on the worker, /metrics again; beside it, from its own start, the HTTP load from the worker. It runs beside
 * the window's own timer and tools in a scope of its own, so a scenario that fails or is cancelled stops the loads
 * (and waits for them) before reset deletes the pods. Never throws: what went wrong is the record's `error`, and
 * the scenario's figures stay valid.
 */
import { CancellationScope, patched, sleep } from '@temporalio/workflow';
import type { LoadSpec, WorkloadSpec } from '../src/config/experiment';
import type { LoadPeriod } from '../src/config/loadDesign';
import type { ArtifactKey, ScopedRequest } from '../src/domain/contracts';
import type { LoadPhaseRecord } from '../src/domain/loadContracts';
import { stepOptions } from './activityOptions';
import { describeFailure } from './failures';
import type { ActivityProxies } from './proxies';
import { PATCHES } from './patches';

export interface LoadPhaseRequest {
  scoped: ScopedRequest;
  artifactKey: ArtifactKey;
  workload: WorkloadSpec;
  hardened: boolean;
  load: LoadSpec;
  windowStart: number;
  windowSeconds: number;
}

export interface RunningLoadPhase {
  /** Settles with the record when the load is over, stopped or failed. */
  done: Promise<LoadPhaseRecord>;
  /** Stops what still runs and returns the record. */
  stop(): Promise<LoadPhaseRecord>;
}

export function startLoadPhase(acts: ActivityProxies, req: LoadPhaseRequest): RunningLoadPhase {
  const scope = new CancellationScope();
  const record: LoadPhaseRecord = { metrics: {}, notRun: [] };
  const failed = (what: string, err: unknown) => {
    const why = `${what}${describeFailure(err)}`;
    record.error = record.error ? `${record.error}; ${why}` : why;
  };
  const done = scope.run(async () => {
    // Asked only when the design has an HTTP load, so runs without one replay as before.
    const sendsHttp = req.load.http !== undefined && patched(PATCHES.httpLoad);
    if (req.load.http && !sendsHttp) record.notRun.push('http: this release does not send the HTTP load yet');
    const http = sendsHttp ? sendHttp(acts, req, record).catch((err) => failed('http: ', err)) : undefined;
    await runChurn(acts, req, record).catch((err) => failed('', err));
    await http;
    return record;
  });
  return {
    done,
    stop: async () => {
      scope.cancel();
      return done;
    },
  };
}

/** The span of one load in the window: its start (epoch ms, workflow time) and length. */
function spanOf(req: LoadPhaseRequest, period: LoadPeriod): { startAtMs: number; durationSeconds: number } {
  const durationSeconds = period.durationSeconds ?? req.windowSeconds - period.startSeconds;
  return { startAtMs: req.windowStart + period.startSeconds * 1000, durationSeconds };
}

async function untilStart(startAtMs: number): Promise<void> {
  if (startAtMs > Date.now()) await sleep(startAtMs - Date.now(), { summary: 'until the load starts' });
}

/** /metrics, the churn, /metrics again (a throw is the record's error; what finished stays recorded). */
async function runChurn(acts: ActivityProxies, req: LoadPhaseRequest, record: LoadPhaseRecord): Promise<void> {
  const churn = req.load.churn;
  if (!churn) return;
  record.churnRunsOn = 'worker';
  const { startAtMs, durationSeconds } = spanOf(req, churn.period);
  const { namespace } = req.scoped;
  const metrics = { ...req.scoped, artifactKey: req.artifactKey };
  const scrape = (edge: 'start' | 'end') =>
    acts<'scrapeApiMetrics'>(stepOptions.cluster, `load-metrics-${edge}`, `read the API server's /metrics at the load's ${edge}`)
      .scrapeApiMetrics({ ...metrics, edge });
  await untilStart(startAtMs);
  record.metrics.start = await scrape('start');
  const what = `churn ${churn.podsPerMinute} pods/min for ${durationSeconds} s in ${namespace}`;
  record.churn = await acts<'runPodChurn'>(stepOptions.load, 'load-churn', what).runPodChurn({
    ...metrics,
    workload: req.workload,
    hardened: req.hardened,
    podsPerMinute: churn.podsPerMinute,
    podsAlive: churn.podsAlive,
    startAtMs,
    durationSeconds,
  });
  record.metrics.end = await scrape('end');
}

/** The HTTP load from the worker or its load pod; where the app is, the activity reads from the cluster. */
async function sendHttp(acts: ActivityProxies, req: LoadPhaseRequest, record: LoadPhaseRecord): Promise<void> {
  const http = req.load.http!;
  record.httpRunsOn = 'worker';
  const { startAtMs, durationSeconds } = spanOf(req, http.period);
  await untilStart(startAtMs);
  const what = `HTTP ${http.requestsPerSecond} requests/s (${http.requestSet}) for ${durationSeconds} s to the app`;
  record.http = await acts<'sendHttpLoad'>(stepOptions.load, 'load-http', what).sendHttpLoad({
    ...req.scoped,
    artifactKey: req.artifactKey,
    requestSet: http.requestSet,
    requestsPerSecond: http.requestsPerSecond,
    startAtMs,
    durationSeconds,
  });
  // Where it ran is the worker config's, said by the activity (no command: earlier histories replay unchanged).
  if (record.http.runsOn === 'pod') record.httpRunsOn = 'pod';
}
