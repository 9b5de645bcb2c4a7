/**
 * Pod startup as kube-burner's podLatency defines it, against real pods of a KWOK test bed
 * (test/fixtures/load/kwok-pods.json), the API latency summary, and the minimum detectable difference
 * against R's power.t.test.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  minimumDetectableDifference,
  minimumDetectableFromValues,
  PodDataError,
  podListStartups,
  podStartup,
  quantileSummary,
  summarizeApiCalls,
  summarizePodStartup,
} from '../../../../src/analysis/load';

const pods = JSON.parse(readFileSync(path.join(__dirname, '../../../fixtures/load/kwok-pods.json'), 'utf8')) as { items: unknown[] };

describe('pod startup latency', () => {
  const startups = podListStartups(pods, 'kwok-pods.json');

  test('every real pod reaches each phase, in order, at whole seconds after its creation', () => {
    expect(startups.map((s) => s.pod).sort()).toEqual(['churn-1', 'churn-2', 'churn-3', 'churn-4', 'churn-5', 'churn-6']);
    for (const { phases } of startups) {
      const order = [phases.scheduled, phases.initialized, phases.containersReady, phases.ready];
      expect(order.every((ms) => ms !== undefined && ms >= 0 && ms % 1000 === 0)).toBe(true);
      expect([...order].sort((a, b) => a! - b!)).toEqual(order);
    }
    const summary = summarizePodStartup(startups);
    expect([summary.pods, summary.neverReady, summary.phases.ready.n, summary.phases.scheduled.n]).toEqual([6, 0, 6, 6]);
    expect(summary.phases.ready.p99!).toBeGreaterThanOrEqual(summary.phases.ready.p50!);
    expect(summary.phases.ready.max).toBe(Math.max(...startups.map((s) => s.phases.ready!)));
  });

  test('a pod still pending counts as never ready, and in no phase it did not reach', () => {
    type PodShape = { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } };
    const pending = structuredClone(pods.items[0]) as PodShape;
    pending.metadata.name = 'pending';
    pending.status.conditions = pending.status.conditions.map((c) => (c.type === 'PodScheduled' ? c : { ...c, status: 'False' }));
    const one = podStartup(pending);
    expect(Object.keys(one.phases)).toEqual(['scheduled']);
    const summary = summarizePodStartup([...startups, one]);
    expect([summary.pods, summary.neverReady, summary.phases.scheduled.n, summary.phases.ready.n]).toEqual([7, 1, 7, 6]);
  });

  test('bad pod data is refused, naming the pod and the field', () => {
    const bad = structuredClone(pods.items[2]) as { status: { conditions: { type: string; lastTransitionTime: string }[] } };
    bad.status.conditions.find((c) => c.type === 'Ready')!.lastTransitionTime = 'yesterday';
    expect(() => podListStartups({ items: [pods.items[0], bad] }, 'pods.json')).toThrow(
      new PodDataError('pods.json items[1] churn-3: condition Ready.lastTransitionTime', 'expected an RFC 3339 time, got "yesterday"'),
    );
    expect(() => podListStartups({ kind: 'Pod' }, 'pods.json')).toThrow('pods.json: has no items list');
    expect(() => podStartup({ metadata: {} })).toThrow('pod: has no metadata.name');
  });
});

describe('quantiles and API latency', () => {
  test("quantiles are R's type 7 (quantile(1:10, c(.5, .95, .99)) = 5.5, 9.55, 9.91)", () => {
    const q = quantileSummary([10, 3, 1, 2, 9, 4, 6, 5, 8, 7]);
    expect([q.n, q.p50, q.p95, q.p99, q.max, q.mean]).toEqual([10, 5.5, expect.closeTo(9.55, 12), expect.closeTo(9.91, 12), 10, 5.5]);
    expect(quantileSummary([])).toEqual({ n: 0, p50: null, p95: null, p99: null, max: null, mean: null });
  });

  test('creates and deletes apart; a failed call counts, but not as a latency', () => {
    const summary = summarizeApiCalls([
      { op: 'create', ms: 10, ok: true },
      { op: 'create', ms: 30, ok: true },
      { op: 'create', ms: 5000, ok: false },
      { op: 'delete', ms: 4, ok: true },
    ]);
    expect(summary.create).toEqual({ calls: 3, failed: 1, latency: expect.objectContaining({ n: 2, p50: 20, max: 30 }) });
    expect(summary.delete).toEqual({ calls: 1, failed: 0, latency: expect.objectContaining({ n: 1, p99: 4 }) });
  });
});

describe('the minimum detectable difference at 80 % power, two-sided, alpha 0.05', () => {
  // R: power.t.test(n = n, sd = sd, power = 0.8)$delta (exact, noncentral t) for equal sides.
  test.each([
    [2, 1, 5.653515, 0.052],
    [3, 1, 3.070910345, 0.012],
    [5, 1, 2.024438, 0.002],
    [10, 1, 1.324946, 0.001],
    [20, 2, 1.818261132, 0.001],
  ])("n = %i, sd = %d: R's power.t.test delta %d within a relative %d", (n, sd, rDelta, tolerance) => {
    const mdd = minimumDetectableDifference({ sd, n }, { sd, n });
    expect(Math.abs(mdd.difference! - rDelta) / rDelta).toBeLessThan(tolerance);
    expect(mdd.df).toBeCloseTo(2 * n - 2, 10);
  });

  test('from measured values: unequal spreads use Welch degrees of freedom; more repetitions detect less', () => {
    const baseline = [1.82, 1.79, 1.9, 1.75, 1.85];
    const hardened = [1.68, 1.74, 1.61, 1.7, 1.66];
    const five = minimumDetectableFromValues(hardened, baseline);
    expect(five.df!).toBeLessThan(8);
    expect(five.difference!).toBeGreaterThan(0);
    const ten = minimumDetectableFromValues([...hardened, ...hardened], [...baseline, ...baseline]);
    expect(ten.difference!).toBeLessThan(five.difference!);
  });

  test('one repetition cannot say; bad figures are refused', () => {
    const one = minimumDetectableDifference({ sd: 1, n: 1 }, { sd: 1, n: 5 });
    expect(one).toMatchObject({ difference: null, why: 'needs at least 2 repetitions of each scenario' });
    const negative = () => minimumDetectableDifference({ sd: -1, n: 3 }, { sd: 1, n: 3 });
    expect(negative).toThrow('a standard deviation must be a finite number ≥ 0, got -1');
    expect(() => minimumDetectableDifference({ sd: 1, n: 3 }, { sd: 1, n: 3 }, { power: 1.2 })).toThrow(RangeError);
  });
});
