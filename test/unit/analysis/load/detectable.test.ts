/**
 * The minimum detectable difference (issue 27) against a textbook power calculation, and what the report and
 * `validate` say with it. Reference figures: statsmodels 0.15.0 (scipy 1.17.1), the exact noncentral-t power of the
 * two-sample t-test, in a throwaway venv:
 *   python3 -m venv /tmp/sm && /tmp/sm/bin/pip install statsmodels
 *   /tmp/sm/bin/python -c "from statsmodels.stats.power import TTestIndPower as P; \
 *     print(P().solve_power(effect_size=None, nobs1=5, ratio=1.0, alpha=0.05, power=0.8, alternative='two-sided'))"
 * (effect size d, so the difference at sd 1), with nobs1, ratio, alpha and power as in each row. R's
 * power.t.test(n = 5, sd = 1, power = 0.9, sig.level = 0.01)$delta agrees (3.114044).
 */
import { minimumDetectableDifference } from '../../../../src/analysis/load/detectable';
import { detectableInSds, pilotValues, plannedDetectable } from '../../../../src/analysis/model/headlineDetectable';

describe('against statsmodels TTestIndPower.solve_power (exact, equal variances)', () => {
  // The t approximation ignores the noncentral t's skew: 5.1 % below the exact figure at 2 repetitions a side, 1.2 % at
  // 3, within 0.1 % from 10; 3.5 % below at 5 with the stricter alpha 0.01 and power 0.9.
  test.each([
    [2, 0.05, 0.8, 5.653489341914222, 0.052],
    [3, 0.05, 0.8, 3.070892269599019, 0.012],
    [5, 0.05, 0.8, 2.024440145655355, 0.002],
    [10, 0.05, 0.8, 1.324947368330822, 0.001],
    [20, 0.05, 0.8, 0.9091290410935777, 0.001],
    [30, 0.05, 0.8, 0.7356198334313554, 0.001],
    [5, 0.01, 0.9, 3.114043159666422, 0.036],
  ])('n = %i a side, alpha %d, power %d: d = %d within a relative %d', (n, alpha, power, reference, tolerance) => {
    const mdd = minimumDetectableDifference({ sd: 1, n }, { sd: 1, n }, { alpha, power });
    expect(Math.abs(reference - mdd.difference!) / reference).toBeLessThan(tolerance);
    // In a metric's unit it scales with the spread.
    const wider = minimumDetectableDifference({ sd: 2.5, n }, { sd: 2.5, n }, { alpha, power });
    expect(wider.difference!).toBeCloseTo(2.5 * mdd.difference!, 10);
  });

  test.each([
    [3, 6, 2.3120704163663666],
    [5, 10, 1.6603065246547015],
  ])('unequal repetitions %i and %i: Welch’s test (the report’s) needs more than the pooled t-test’s d = %d', (n1, n2, pooled) => {
    const welch = minimumDetectableDifference({ sd: 1, n: n1 }, { sd: 1, n: n2 }).difference!;
    expect(welch).toBeGreaterThan(pooled);
    expect(welch / pooled).toBeLessThan(1.15);
  });

  test('validate without a pilot: five repetitions a side detect 2.02 standard deviations; one cannot test', () => {
    expect(detectableInSds(5).difference!).toBeCloseTo(2.0244, 2);
    expect(detectableInSds(1)).toMatchObject({ difference: null, why: 'needs at least 2 repetitions of each scenario' });
  });
});

describe("from a pilot's summary.json", () => {
  const summary = (load?: unknown) => ({
    scenarios: [
      { scenario: 'baseline', acrossRepetitions: { cpuMean: { values: [1, 2, 3] }, memoryMean: { values: [40] } }, load },
      { scenario: 'best-practices', acrossRepetitions: { cpuMean: { values: [4, 5, 6] }, memoryMean: { values: [41, 42] } } },
    ],
  });

  test('each headline metric at the design’s repetitions from the pilot’s spread; what the pilot cannot say, said', () => {
    const pilot = pilotValues(summary([{ key: 'create.p99', across: { values: [10, 12] } }]), 'pilot.json');
    const rows = plannedDetectable(pilot, ['baseline', 'best-practices'], 5, true);
    expect(rows.map((r) => [r.metric.key, r.scenarioSd, r.baselineSd])).toEqual([
      ['cpuMean', 1, 1],
      ['memoryMean', Math.SQRT1_2, null],
      ['create.p99', null, Math.SQRT2],
      ['startup.ready.p99', null, null],
    ]);
    // sd 1 on both sides, 5 repetitions: statsmodels' d = 2.02444 (above).
    expect(Math.abs(rows[0]!.detectable!.difference! - 2.024440145655355) / 2.024440145655355).toBeLessThan(0.002);
    expect(rows[1]).toMatchObject({ detectable: null, why: 'the pilot has fewer than 2 repetitions of baseline' });
    expect(rows[3]).toMatchObject({ detectable: null, why: 'the pilot has fewer than 2 repetitions of best-practices and baseline' });
    // Without a load in the design, only CPU and memory.
    expect(plannedDetectable(pilot, ['baseline', 'best-practices'], 5, false).map((r) => r.metric.key)).toEqual(['cpuMean', 'memoryMean']);
  });

  test('a file of another shape is refused naming the field', () => {
    expect(() => pilotValues({ scenarios: [{ scenario: 'baseline' }] }, 'x.json')).toThrow(
      'x.json: not a hardenlab summary.json: scenarios.0.acrossRepetitions: ',
    );
    expect(() => pilotValues([], 'x.json')).toThrow(/^x\.json: not a hardenlab summary\.json: \(top level\): /);
  });
});
