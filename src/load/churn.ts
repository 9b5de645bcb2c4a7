/**
 * The pod churn (issue 27), as kube-burner's churn: pod i of the scenario's workload is created at
 * startMs + i × (60 000 / podsPerMinute) ms, open-loop, and pod i − podsAlive is deleted at the same tick. Each
 * create and delete is timed as the client saw it, and each pod's startup comes from a watch; both stream into the
 * churn record. Names are fixed by index, so a retried attempt continues after the pods that exist and never
 * doubles one; what the API could not take, or what fell due while no attempt ran, is counted, not hidden.
 */
import { performance } from 'node:perf_hooks';
import type { ChurnEvent } from '../analysis/load';
import type { WorkloadSpec } from '../config/experiment';
import type { ChurnProgress, ChurnResult } from '../domain/loadContracts';
import type { RunScope } from '../kube/manifests';
import type { KubeClient } from '../kube/kubeObjects';
import { churnIndexOf, churnPod, churnPodName, churnSelector } from './churnPods';
import { operationsDue, runOpenLoop, type LoadClock } from './openLoop';
import { StartupWatch } from './startupWatch';

export interface ChurnPlan {
  scope: RunScope;
  workload: WorkloadSpec;
  hardened: boolean;
  podsPerMinute: number;
  podsAlive: number;
  /** The load's span, epoch ms: fixed by the caller, so every attempt keeps the same schedule. */
  startMs: number;
  endMs: number;
}

export type { ChurnProgress, ChurnResult };

export interface ChurnDeps {
  client: KubeClient;
  clock: LoadClock;
  /** Where events go: the churn record (its times in ms from plan.startMs). */
  record: (event: Exclude<ChurnEvent, { e: 'end' }>) => Promise<void>;
  onProgress?: (progress: ChurnProgress) => void;
  onError?: (error: unknown) => void;
  signal?: AbortSignal;
  /** Calls awaiting an answer at once; more are skipped and counted. Default: 30 s worth of the rate, 10 to 200. */
  maxInFlight?: number;
}

export const emptyChurnProgress = (): ChurnProgress => ({
  nextIndex: 0,
  created: 0,
  createFailed: 0,
  deleted: 0,
  deleteFailed: 0,
  skippedBusy: 0,
  missed: 0,
  startups: 0,
});

/** How late the first attempt may start and still offer every operation (a task's pick-up on a loaded worker). */
export const FIRST_ATTEMPT_CATCH_UP_MS = 10_000;

const round2 = (ms: number) => Math.round(ms * 100) / 100;

export async function runChurn(plan: ChurnPlan, deps: ChurnDeps, resumed: ChurnProgress = emptyChurnProgress()): Promise<ChurnResult> {
  const { client, clock, scope } = { ...deps, scope: plan.scope };
  const intervalMs = 60_000 / plan.podsPerMinute;
  const progress = { ...resumed };
  const selector = churnSelector(scope.runId);
  const sinceStart = () => clock.now() - plan.startMs;
  const failed = new Set<number>();

  // Pods an earlier attempt created are not made again: the schedule goes on after the highest one.
  const existing = (await client.list('v1', 'Pod', { namespace: scope.namespace, labelSelector: selector })).items
    .map((pod) => churnIndexOf(pod.metadata.name))
    .filter((i): i is number => i !== undefined);
  const firstIndex = Math.max(progress.nextIndex, ...existing.map((i) => i + 1));
  // A retry skips what fell due while no attempt ran (counted as missed). The first attempt's late start is the
  // worker picking up its task: it starts the operations due in the last FIRST_ATTEMPT_CATCH_UP_MS at once, and
  // their lateness shows in maxLagMs.
  const firstAttempt = firstIndex === 0;
  const lateMs = sinceStart() - (firstAttempt ? FIRST_ATTEMPT_CATCH_UP_MS : 0);
  const resumeAt = Math.max(firstIndex, Math.floor(lateMs / intervalMs));
  progress.missed += Math.min(resumeAt, operationsDue({ startMs: plan.startMs, intervalMs, endMs: plan.endMs })) - firstIndex;

  const timed = async (op: 'create' | 'delete', index: number, call: () => Promise<unknown>): Promise<boolean> => {
    const at = sinceStart();
    const t0 = performance.now();
    let ok = true;
    try {
      await call();
    } catch (err) {
      ok = false;
      deps.onError?.(err);
    }
    await deps.record({ e: op, pod: churnPodName(index), at, ms: round2(performance.now() - t0), ok });
    return ok;
  };
  const remove = async (index: number) => {
    if (failed.has(index)) return;
    const ok = await timed('delete', index, () => client.delete('v1', 'Pod', churnPodName(index), scope.namespace));
    if (ok) progress.deleted++;
    else progress.deleteFailed++;
  };

  const watch = new StartupWatch(client, {
    namespace: scope.namespace,
    labelSelector: selector,
    wanted: (name) => (churnIndexOf(name) ?? -1) >= resumeAt,
    onStartup: (startup) => {
      progress.startups++;
      const { pod, createdMs, phases } = startup;
      void deps.record({ e: 'startup', pod, created: createdMs - plan.startMs, ...phases }).catch(deps.onError);
    },
    onError: deps.onError,
  });
  await watch.start();
  let tally: Awaited<ReturnType<typeof runOpenLoop>>;
  try {
    // Pods an earlier attempt left alive past their time go first.
    for (const index of existing.filter((i) => i < resumeAt - plan.podsAlive)) await remove(index);
    const perSecond = plan.podsPerMinute / 60;
    const maxInFlight = deps.maxInFlight ?? Math.min(200, Math.max(10, Math.ceil(perSecond * 30)));
    const options = { startMs: plan.startMs, intervalMs, endMs: plan.endMs, firstIndex: resumeAt, maxInFlight, signal: deps.signal };
    tally = await runOpenLoop(options, clock, async (index) => {
      const old = index - plan.podsAlive;
      const [created] = await Promise.all([
        timed('create', index, () => client.create(churnPod(scope, plan.workload, plan.hardened, index))),
        old >= 0 ? remove(old) : undefined,
      ]);
      if (created) progress.created++;
      else {
        progress.createFailed++;
        failed.add(index);
      }
      progress.nextIndex = Math.max(progress.nextIndex, index + 1);
      deps.onProgress?.({ ...progress });
      return created;
    });
    progress.skippedBusy += tally.skippedBusy;
    progress.nextIndex = Math.max(progress.nextIndex, tally.nextIndex);
    // The load is over at its end, not at its last create: the pods still alive go then (timed like the rest), so
    // the last ones live up to the end as the others lived their ticks, and the window after it is idle again.
    // Cancelled, they are left to the reset.
    await clock.sleepUntil(plan.endMs, deps.signal);
    const alive = Math.max(0, tally.nextIndex - plan.podsAlive);
    if (!deps.signal?.aborted) for (let index = alive; index < tally.nextIndex; index++) await remove(index);
  } finally {
    await watch.stop();
  }
  const due = operationsDue({ startMs: plan.startMs, intervalMs, endMs: plan.endMs });
  return { ...progress, due, maxLagMs: tally.maxLagMs };
}
