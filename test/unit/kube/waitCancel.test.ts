import type { KubeClient, KubeObject } from '../../../src/kube/kubeObjects';
import { waitForObject } from '../../../src/kube/wait';

/** A client whose list answers after `during` ran (a cancel arriving mid-request), and whose watch never sees a change. */
function quietClient(during: () => void): KubeClient {
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  return {
    list: async () => {
      during();
      return { items: [], resourceVersion: '1' };
    },
    watch: async () => ({ stop: stopped, done }),
  } as unknown as KubeClient;
}

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'ns' };

describe('waitForObject and a cancelled activity', () => {
  it('rejects with the cancellation at once when the cancel came during its list, not at the deadline', async () => {
    const controller = new AbortController();
    const reason = new Error('the activity was cancelled');
    const started = Date.now();
    const waiting = waitForObject<KubeObject>(quietClient(() => controller.abort(reason)), target, () => false, {
      timeoutMs: 60_000,
      description: 'the rollout',
      signal: controller.signal,
    });
    await expect(waiting).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects with the cancellation when it comes while watching', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled while watching');
    setTimeout(() => controller.abort(reason), 200);
    const waiting = waitForObject<KubeObject>(quietClient(() => undefined), target, () => false, {
      timeoutMs: 60_000,
      description: 'the rollout',
      signal: controller.signal,
    });
    await expect(waiting).rejects.toBe(reason);
  });
});
