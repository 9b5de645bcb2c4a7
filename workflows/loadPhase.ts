/**
 * The load phase inside a scenario's window (issue 27): from the load's start, the API server's /metrics, the pod
 * churn on the worker, /metrics again. It runs beside the window's own timer and tools in a scope of its own, so a
 * scenario that fails or is cancelled stops the churn (and waits for it) before reset deletes the pods. Never
 * throws: what went wrong is the record's `error`, and the scenario's figures stay valid.
 */
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { LoadSpec, WorkloadSpec } from '../src/config/experiment';
import type { ArtifactKey, ScopedRequest } from '../src/domain/contracts';
import type { LoadPhaseRecord } from '../src/domain/loadContracts';
import { stepOptions } from './activityOptions';
import { describeFailure } from './failures';
import type { ActivityProxies } from './proxies';

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
  const done = scope.run(async () => {
    if (req.load.http) record.notRun.push('http: this release does not send the HTTP load yet');
    const churn = req.load.churn;
    if (!churn) return record;
    record.churnRunsOn = 'worker';
    const { startSeconds } = churn.period;
    const durationSeconds = churn.period.durationSeconds ?? req.windowSeconds - startSeconds;
    const startAtMs = req.windowStart + startSeconds * 1000;
    const { namespace } = req.scoped;
    const metrics = { ...req.scoped, artifactKey: req.artifactKey };
    const scrape = (edge: 'start' | 'end') =>
      acts<'scrapeApiMetrics'>(stepOptions.cluster, `load-metrics-${edge}`, `read the API server's /metrics at the load's ${edge}`)
        .scrapeApiMetrics({ ...metrics, edge });
    try {
      if (startAtMs > Date.now()) await sleep(startAtMs - Date.now(), { summary: 'until the load starts' });
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
    } catch (err) {
      record.error = describeFailure(err);
    }
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
