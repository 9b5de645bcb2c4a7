/**
 * The churn's end (issue 27): the pods still alive are deleted when the load's span ends, not right after its last
 * create, so its last pods live up to the end as the others lived their ticks (a pod deleted at once never gets to
 * Ready, and its startup would be lost from the quantiles). An in-memory API and a fake clock: exact times.
 */
import { workloadSchema } from '../../../src/config/experiment';
import type { KubeClient, KubeObject, WatchEventType } from '../../../src/kube/kubeObjects';
import { runChurn } from '../../../src/load/churn';
import { churnIndexOf } from '../../../src/load/churnPods';
import { FakeLoadClock } from '../../support/fakeLoadClock';

/** Creates and deletes at the clock's time; the watch sees nothing (startups are reported at its stop). */
function memoryApi(clock: FakeLoadClock) {
  const calls: { op: 'create' | 'delete'; index: number; at: number }[] = [];
  const client = {
    list: async () => ({ items: [], resourceVersion: '1' }),
    watch: async (_v: string, _k: string, _o: unknown, _on: (type: WatchEventType, obj: KubeObject) => void) => {
      let stop = () => undefined as void;
      const done = new Promise((resolve) => (stop = () => resolve(null)));
      return { stop, done };
    },
    create: async (pod: KubeObject) => {
      calls.push({ op: 'create', index: churnIndexOf(pod.metadata.name)!, at: clock.now() });
      return pod;
    },
    delete: async (_v: string, _k: string, name: string) => {
      calls.push({ op: 'delete', index: churnIndexOf(name)!, at: clock.now() });
      return true;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

/** 30 pods a minute (one each 2 s) for 20 s, 5 alive: pod i is created at 2i s and lives 10 s, or up to 20 s. */
function startChurn(clock: FakeLoadClock, client: KubeClient, signal?: AbortSignal) {
  const scope = { runId: 'r', namespace: 'ns' };
  const plan = { scope, workload: workloadSchema.parse({}), hardened: false, podsPerMinute: 30, podsAlive: 5, startMs: 0, endMs: 20_000 };
  return runChurn(plan, { client, clock, record: async () => undefined, signal });
}

it('deletes the pods still alive at the end of the span, each pod living podsAlive ticks or up to the end', async () => {
  const clock = new FakeLoadClock();
  const { client, calls } = memoryApi(clock);
  const churn = startChurn(clock, client);
  await clock.drain();
  const result = await churn;
  expect(result).toMatchObject({ due: 10, created: 10, deleted: 10, createFailed: 0, deleteFailed: 0 });
  const at = (op: 'create' | 'delete') => calls.filter((c) => c.op === op).sort((a, b) => a.index - b.index).map((c) => c.at);
  expect(at('create')).toEqual(Array.from({ length: 10 }, (_, i) => 2000 * i));
  expect(at('delete')).toEqual([10_000, 12_000, 14_000, 16_000, 18_000, 20_000, 20_000, 20_000, 20_000, 20_000]);
});

it('a cancel during the wait for the end leaves the pods to the reset, at once', async () => {
  const clock = new FakeLoadClock();
  const { client, calls } = memoryApi(clock);
  const abort = new AbortController();
  const churn = startChurn(clock, client, abort.signal);
  // Past the last create (18 s), before the end (20 s).
  await clock.drain(18_000);
  expect(clock.now()).toBe(18_000);
  abort.abort();
  await churn;
  expect(calls.filter((c) => c.op === 'delete').map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
});
