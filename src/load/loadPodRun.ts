/**
 * Runs the HTTP load from a load pod (issue 27) and reads its result back: the pod is created in the run's namespace,
 * waited for with a bounded wait, its two containers' logs read through the API, and it is deleted at the end (reset
 * removes it too: it carries the run's labels). On a retried activity, an earlier attempt's pod that finished is reused
 * (the load it sent is the load's record); one still running or failed is deleted first, so two generators never overlap.
 */
import type { KubeClient, KubeObject } from '../kube/kubeObjects';
import type { HttpLoadResult } from './httpLoad';
import { ATTACK_CONTAINER, loadPod, loadPodName, loadPodSelector, REPORT_CONTAINER, type LoadPodPlan } from './loadPod';
import { parseAttackUsage, parseVegetaReport, podLoadResult } from './vegetaReport';

export interface LoadPodDeps {
  client: KubeClient;
  podLog: (namespace: string, pod: string, container: string) => Promise<string>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called at every poll (the activity's heartbeat). */
  onPoll?: (phase: string) => void;
  signal?: AbortSignal;
  /** How long the pod may take beyond the load itself to pull, start and report. Default 120 s. */
  startAllowanceMs?: number;
  pollMs?: number;
}

export interface LoadPodResult extends HttpLoadResult {
  /** The pod the load ran in; `reused` when an earlier attempt's pod had finished it. */
  pod: string;
  reused: boolean;
}

export class LoadPodFailed extends Error {}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number; reason?: string }; waiting?: { reason?: string; message?: string } };
}
interface PodShape {
  status?: { phase?: string; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  metadata: KubeObject['metadata'] & { annotations?: Record<string, string> };
}

const phaseOf = (pod: KubeObject | null) => (pod as PodShape | null)?.status?.phase ?? 'Pending';

/** A container waiting for a reason that no wait mends (a wrong image, a bad config): said at once. */
function stuckReason(pod: KubeObject): string | undefined {
  const status = (pod as PodShape).status;
  const all = [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
  const stuck = all.find((c) => /^(ImagePullBackOff|InvalidImageName|CreateContainerConfigError)$/
    .test(c.state?.waiting?.reason ?? ''));
  return stuck && `${stuck.name}: ${stuck.state!.waiting!.reason} (${stuck.state!.waiting!.message ?? 'no message'})`;
}

async function readResult(plan: LoadPodPlan, deps: LoadPodDeps, name: string): Promise<HttpLoadResult> {
  const namespace = plan.scope.namespace;
  const usage = parseAttackUsage(await deps.podLog(namespace, name, ATTACK_CONTAINER));
  const report = parseVegetaReport(await deps.podLog(namespace, name, REPORT_CONTAINER));
  return podLoadResult(report, usage, plan);
}

/** Why the pod failed, from its attack container's state and log (the first lines that say something). */
async function failure(plan: LoadPodPlan, deps: LoadPodDeps, name: string, pod: KubeObject | null): Promise<string> {
  const attack = (pod as PodShape | null)?.status?.initContainerStatuses?.find((s) => s.name === ATTACK_CONTAINER);
  const terminated = attack?.state?.terminated;
  const log = await deps.podLog(plan.scope.namespace, name, ATTACK_CONTAINER).catch((err: unknown) => (err as Error).message);
  const state = terminated ? `attack exited ${terminated.exitCode} (${terminated.reason ?? 'no reason'})` : `phase ${phaseOf(pod)}`;
  return `the load pod ${name} failed: ${state}: ${log.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
}

async function deleteAndWait(deps: LoadPodDeps, namespace: string, name: string): Promise<void> {
  await deps.client.delete('v1', 'Pod', name, namespace);
  for (let i = 0; i < 60 && (await deps.client.get('v1', 'Pod', name, namespace)); i++) await deps.sleep(1000);
}

export async function runLoadPod(plan: LoadPodPlan, deps: LoadPodDeps): Promise<LoadPodResult> {
  const { client } = deps;
  const namespace = plan.scope.namespace;
  const name = loadPodName(plan.attempt);
  const existing = (await client.list('v1', 'Pod', { namespace, labelSelector: loadPodSelector(plan.scope.runId) })).items;
  for (const pod of existing.filter((p) => p.metadata.name !== name)) {
    if (phaseOf(pod) === 'Succeeded') {
      const earlier = await readResult(plan, deps, pod.metadata.name).catch(() => undefined);
      if (earlier) {
        for (const p of existing) await client.delete('v1', 'Pod', p.metadata.name, namespace);
        return { ...earlier, pod: pod.metadata.name, reused: true };
      }
    }
    await deleteAndWait(deps, namespace, pod.metadata.name);
  }
  try {
    if (!existing.some((p) => p.metadata.name === name)) await client.apply(loadPod(plan));
    const allowedMs = plan.durationMs + (deps.startAllowanceMs ?? 120_000);
    const deadline = deps.now() + allowedMs;
    let pod: KubeObject | null = null;
    for (;;) {
      pod = await client.get('v1', 'Pod', name, namespace);
      const phase = phaseOf(pod);
      deps.onPoll?.(phase);
      if (phase === 'Succeeded') return { ...(await readResult(plan, deps, name)), pod: name, reused: false };
      if (phase === 'Failed' || !pod) throw new LoadPodFailed(pod ? await failure(plan, deps, name, pod) : `the load pod ${name} is gone`);
      if (deps.signal?.aborted) throw new LoadPodFailed(`the load pod ${name} was stopped: the activity was cancelled`);
      const stuck = stuckReason(pod);
      if (stuck) throw new LoadPodFailed(`the load pod ${name} cannot start: ${stuck}`);
      if (deps.now() > deadline) throw new LoadPodFailed(`the load pod ${name} did not finish within ${Math.round(allowedMs / 1000)} s`);
      await deps.sleep(deps.pollMs ?? 2000);
    }
  } finally {
    await client.delete('v1', 'Pod', name, namespace).catch(() => undefined);
  }
}
