/**
 * The HTTP load from a load pod (issue 27), as the sendHttpLoad activity runs it when the worker's config says
 * `load.httpFrom: pod`: the app's cluster address read from the cluster, the pod's image from the worker, the load's
 * remaining span from now (a late start or a retry re-anchors, never bursts), and a heartbeat at every poll.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { HttpLoadRecord, HttpLoadRequest } from '../src/domain/loadContracts';
import { REQUEST_SETS } from '../src/domain/requestSets';
import type { KubeClient } from '../src/kube/kubeObjects';
import { appClusterTarget } from '../src/load/httpTarget';
import { LoadPodFailed, runLoadPod } from '../src/load/loadPodRun';
import { LoadPodOutputError } from '../src/load/vegetaReport';
import type { LoadClock } from '../src/load/openLoop';
import { activitySignal, safeHeartbeat } from '../src/temporal/heartbeat';

export type PodLogReader = (namespace: string, pod: string, container: string) => Promise<string>;

export interface LoadPodActivityDeps {
  client: KubeClient;
  podLog: PodLogReader;
  image: string;
  clock: LoadClock;
  attempt: number;
  log: (line: string) => void;
}

export async function sendFromLoadPod(req: HttpLoadRequest, deps: LoadPodActivityDeps): Promise<HttpLoadRecord> {
  const target = await appClusterTarget(deps.client, req.namespace);
  if ('why' in target) throw ApplicationFailure.nonRetryable(`${target.why}: the HTTP load was not sent`, 'HttpLoadNoTarget');
  const endMs = req.startAtMs + req.durationSeconds * 1000;
  const startMs = Math.max(req.startAtMs, Math.min(deps.clock.now(), endMs - 1000));
  const plan = {
    scope: { runId: req.runId, namespace: req.namespace },
    ...{ image: deps.image, target: target.url, requests: REQUEST_SETS[req.requestSet], requestsPerSecond: req.requestsPerSecond },
    ...{ durationMs: endMs - startMs, attempt: deps.attempt },
  };
  try {
    const result = await runLoadPod(plan, {
      ...{ client: deps.client, podLog: deps.podLog, now: () => deps.clock.now() },
      sleep: (ms: number) => deps.clock.sleepUntil(deps.clock.now() + ms),
      onPoll: (phase) => safeHeartbeat({ loadPod: phase }),
      signal: activitySignal(),
    });
    const { pod, reused, ...http } = result;
    const how = `${http.ok} of ${http.due} answered as expected, ${http.errors} errors`;
    deps.log(`http (load pod ${pod}${reused ? ', reused' : ''}): ${how}`);
    return { ...http, requestSet: req.requestSet, target: target.url, runsOn: 'pod', loadPod: pod, lateStartMs: startMs - req.startAtMs };
  } catch (err) {
    // Bad output stays bad on a retry; a pod that failed or timed out may not.
    if (err instanceof LoadPodOutputError) throw ApplicationFailure.nonRetryable(err.message, 'LoadPodOutput');
    if (err instanceof LoadPodFailed) throw ApplicationFailure.retryable(err.message, 'LoadPodFailed');
    throw err;
  }
}
