/**
 * Waits of the policy engine's install, each bounded by the engine's one deadline: when one runs out, the error names
 * what is not ready and what the cluster last said about it (a pod's waiting reason, the webhook's last failure).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { KubeClient, KubeObject } from '../kubeObjects';
import { pause, waitForObject, type WaitTarget } from '../wait';

export const ENGINE_NOT_READY = 'PolicyEngineNotReady';

export interface Deadline {
  now: () => number;
  at: number;
  pollMs: number;
}

export function notReady(what: string, detail: string, boundMs: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the policy engine did not become ready within ${Math.round(boundMs / 1000)} s: ${what} (${detail})`,
    ENGINE_NOT_READY,
  );
}

/** Waits for `condition` on one object until the deadline; throws naming it and its last state otherwise. */
export async function awaitObject(
  client: KubeClient,
  target: WaitTarget,
  condition: (obj: KubeObject | null) => boolean,
  deadline: Deadline,
  what: string,
  boundMs: number,
  state: (obj: KubeObject | null) => Promise<string> | string = (obj) => (obj ? JSON.stringify(obj.status ?? {}) : 'absent'),
): Promise<KubeObject> {
  const outcome = await waitForObject(client, target, condition, {
    timeoutMs: Math.max(1, deadline.at - deadline.now()),
    description: what,
    now: deadline.now,
  });
  if (!outcome.satisfied || !outcome.object) throw notReady(what, await state(outcome.object), boundMs);
  return outcome.object;
}

/** Tries `probe` until it returns a value or the deadline passes; the last error names why. */
export async function untilAnswered<T>(
  probe: () => Promise<T | undefined>,
  deadline: Deadline,
  what: string,
  boundMs: number,
): Promise<T> {
  let last = 'not tried';
  while (deadline.now() < deadline.at) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'no answer yet';
    } catch (err) {
      last = (err as Error).message;
    }
    await pause(deadline.pollMs);
  }
  throw notReady(what, `last: ${last}`, boundMs);
}

export const established = (crd: KubeObject | null): boolean =>
  ((crd?.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );

export const available = (deployment: KubeObject | null): boolean =>
  ((deployment?.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0) >= 1;

/** What the engine's pods say: phase, and each container's waiting reason or readiness (for the not-ready message). */
export async function podStates(client: KubeClient, namespace: string, selector: string): Promise<string> {
  const pods = (await client.list('v1', 'Pod', { namespace, labelSelector: selector })).items;
  if (pods.length === 0) return 'no pod was created';
  return pods
    .map((pod) => {
      const status = (pod.status ?? {}) as {
        phase?: string;
        conditions?: { type?: string; status?: string; message?: string }[];
        containerStatuses?: { name: string; ready?: boolean; state?: { waiting?: { reason?: string; message?: string } } }[];
      };
      const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      const containers = (status.containerStatuses ?? []).map((c) => {
        const waiting = c.state?.waiting;
        if (!waiting) return `${c.name}: ${c.ready ? 'ready' : 'not ready'}`;
        return `${c.name}: waiting, ${waiting.reason ?? '?'}${waiting.message ? ` ${waiting.message}` : ''}`;
      });
      const parts = [status.phase ?? 'no phase', ...(unscheduled ? [`unschedulable: ${unscheduled.message ?? ''}`] : []), ...containers];
      return `pod ${pod.metadata.name}: ${parts.join(', ')}`;
    })
    .join('; ');
}
