import { activitySignal, safeHeartbeat } from '../temporal/heartbeat';
import { KubeTransientError, KubeTransient } from './kubeFailures';
import type { KubeClient, KubeObject } from './kubeObjects';

export interface WaitTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for heartbeats and the timeout message. */
  description: string;
  now?: () => number;
  heartbeatEveryMs?: number;
  signal?: AbortSignal;
}

export interface WaitOutcome<T> {
  object: T | null;
  /** When the condition was first seen true (by `now`). */
  at: number;
  satisfied: boolean;
}

/**
 * Waits, from a watch, until `condition` holds for one object (null = absent). Lists first (the condition
 * may already hold), then watches from that list's resourceVersion; a closed or expired watch is re-listed
 * and resumed. Heartbeats while waiting. Returns `satisfied: false` at the timeout instead of throwing, so
 * callers decide whether a timeout is a failure (rollout) or an outcome (load balancer pending).
 */
export async function waitForObject<T extends KubeObject>(
  client: KubeClient,
  target: WaitTarget,
  condition: (obj: T | null) => boolean,
  options: WaitOptions,
): Promise<WaitOutcome<T>> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const signal = options.signal ?? activitySignal();
  const heartbeat = setInterval(() => safeHeartbeat({ waitingFor: options.description }), options.heartbeatEveryMs ?? 5_000);
  const fieldSelector = `metadata.name=${target.name}`;
  let last: T | null = null;
  try {
    while (now() < deadline) {
      if (signal?.aborted) throw signal.reason ?? new Error(`cancelled while waiting for ${options.description}`);
      const listed = await client.list<T>(target.apiVersion, target.kind, { namespace: target.namespace, fieldSelector });
      last = listed.items[0] ?? null;
      if (condition(last)) return { object: last, at: now(), satisfied: true };

      const remainingSeconds = Math.max(1, Math.ceil((deadline - now()) / 1000));
      const seen = await new Promise<{ object: T | null; at: number } | null>((resolve) => {
        let finished = false;
        let handleStop: (() => void) | undefined;
        const finish = (value: { object: T | null; at: number } | null) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          handleStop?.();
          resolve(value);
        };
        const onAbort = () => finish(null);
        const timer = setTimeout(() => finish(null), remainingSeconds * 1000 + 500);
        signal?.addEventListener('abort', onAbort);
        // A cancel during the list above fired before this listener: without this look it went unseen until the deadline,
        // and the activity failed as a timeout instead of cancelled.
        if (signal?.aborted) return onAbort();
        client
          .watch(
            target.apiVersion,
            target.kind,
            { namespace: target.namespace, fieldSelector, resourceVersion: listed.resourceVersion, timeoutSeconds: remainingSeconds },
            (type, obj) => {
              if (type === 'BOOKMARK') return;
              if (type === 'ERROR') return finish(null); // e.g. 410 Gone: re-list and resume
              last = type === 'DELETED' ? null : (obj as T);
              if (condition(last)) finish({ object: last, at: now() });
            },
          )
          .then((handle) => {
            handleStop = handle.stop;
            if (finished) handle.stop();
            void handle.done.then(() => finish(null));
          })
          .catch(() => finish(null));
      });
      if (seen) return { ...seen, satisfied: true };
      safeHeartbeat({ waitingFor: options.description });
    }
    if (signal?.aborted) throw signal.reason ?? new Error(`cancelled while waiting for ${options.description}`);
    return { object: last, at: now(), satisfied: false };
  } finally {
    clearInterval(heartbeat);
  }
}

/** A wait that ran out: retryable, since the cluster may still get there. */
export function waitTimeout(description: string, timeoutMs: number, state: string): KubeTransientError {
  return new KubeTransientError(
    KubeTransient.Timeout,
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${description}; last state: ${state}`,
  );
}

/** Sleeps, heartbeating; rejects with the cancellation reason as soon as the activity is cancelled. */
export async function pause(ms: number, signal: AbortSignal | undefined = activitySignal()): Promise<void> {
  safeHeartbeat();
  if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) reject(signal.reason ?? new Error('cancelled'));
      else resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * Waits for a node's kubelet to report Ready after `since` (a reboot): a Ready condition whose heartbeat is
 * older was posted before the reboot and says nothing about the kubelet that runs now.
 */
export async function waitForNodeReady(client: KubeClient, node: string, since: number, timeoutMs = 10 * 60_000): Promise<void> {
  const readySince = (obj: KubeObject | null) => {
    const conditions =
      (obj?.status as { conditions?: { type?: string; status?: string; lastHeartbeatTime?: string }[] } | undefined)?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    // The API's times have whole seconds: a heartbeat in the second of `since` counts.
    return ready?.status === 'True' && Date.parse(ready.lastHeartbeatTime ?? '') >= Math.floor(since / 1000) * 1000;
  };
  const outcome = await waitForObject(client, { apiVersion: 'v1', kind: 'Node', name: node }, readySince, {
    timeoutMs,
    description: `node ${node} Ready after its reboot`,
  });
  if (!outcome.satisfied)
    throw new KubeTransientError(
      KubeTransient.Timeout,
      `node ${node} did not report Ready within ${Math.round(timeoutMs / 1000)} s of its reboot`,
    );
}
