import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  boxplotStats,
  describe as describeStats,
  effectSize,
  fivenum,
  mannWhitneyU,
  meanConfidenceInterval,
  pwilcox,
  quantileType7Sorted,
  welchTTest,
} from '../../../src/analysis/stats';
import { allFixtures, parseFixture, sysstatDir } from './support/fixtures';

interface RStats {
  n: number;
  mean: number;
  box: number[];
  outliers: number;
  out: number[];
}
const rExpected = JSON.parse(readFileSync(join(sysstatDir, 'r-expected.json'), 'utf8')) as Record<string, { cpu?: RStats; ram?: RStats }>;
const rInference = JSON.parse(readFileSync(join(sysstatDir, 'r-inference-expected.json'), 'utf8')) as Record<
  string,
  { a: number[]; b: number[]; welch: { t: number; df: number; p: number }; wilcox: { W: number; p: number }; ciA: [number, number]; meanA: number }
>;

function expectLikeR(values: number[], r: RStats) {
  const d = describeStats(values)!;
  expect(d.n).toBe(r.n);
  expect(Math.abs(d.mean - r.mean)).toBeLessThan(1e-6);
  d.box.forEach((v, i) => expect(Math.abs(v - r.box[i]!)).toBeLessThan(1e-6));
  expect(d.outliers).toBe(r.outliers);
  expect(d.outlierValues.length).toBe(r.out.length);
  d.outlierValues.forEach((v, i) => expect(Math.abs(v - r.out[i]!)).toBeLessThan(1e-6));
}

/** The R reference for a fixture: its own entry, or for sadf -j the sadf -d rendering of the same data file. */
function referenceFor(name: string): { cpu?: RStats; ram?: RStats } {
  const key = name.replace(/^thesis\//, '');
  if (rExpected[key]) return rExpected[key];
  const m = /^(.*)\.sadf-jt?-(u|r|ur|u-P)\.json$/.exec(key);
  if (!m) throw new Error(`no R reference for ${name}; run test/fixture-recorders/r-expected.sh`);
  return { cpu: rExpected[`${m[1]}.sadf-d-u.csv`]?.cpu, ram: rExpected[`${m[1]}.sadf-d-r.csv`]?.ram };
}

describe("statistics equal R's (mean, boxplot.stats $stats and $out) on every fixture", () => {
  it.each(allFixtures())('%s', (name) => {
    const parsed = parseFixture(name);
    const r = referenceFor(name);
    let compared = 0;
    if (parsed.cpu.length) {
      expectLikeR(parsed.cpu.map((s) => s.used), r.cpu!);
      compared++;
    }
    if (parsed.memory.length) {
      expectLikeR(parsed.memory.map((s) => s.memUsedPercent), r.ram!);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe("Welch's confidence interval of the difference", () => {
  it("equals R's t.test(a, b)$conf.int", () => {
    // Rscript -e 't.test(c(12.1,13.4,11.9,12.8,13.0), c(10.2,10.9,11.4,10.0,10.7))$conf.int'
    const w = welchTTest([12.1, 13.4, 11.9, 12.8, 13.0], [10.2, 10.9, 11.4, 10.0, 10.7])!;
    expect(w.lower).toBeCloseTo(1.13154182114561, 10);
    expect(w.upper).toBeCloseTo(2.86845817885439, 10);
    expect(w.pValue).toBeCloseTo(0.000739363142039962, 10);
  });
});

describe("R's boxplot rule where it is fragile", () => {
  it('a CPU value exactly on the upper fence is not an outlier (Tukey hinges), though type-7 quartiles would flag it', () => {
    const used = parseFixture('thesis/fence-cpu.sar-u.txt').cpu.map((s) => s.used);
    const box = boxplotStats(used);
    expect(box.stats).toEqual([0.5, 1, 1.625, 2, 3.5]);
    expect(box.out).toEqual([]);
    const sorted = Float64Array.from(used).sort();
    const q1 = quantileType7Sorted(sorted, 0.25);
    const q3 = quantileType7Sorted(sorted, 0.75);
    expect([q1, q3]).toEqual([1.125, 1.9375]);
    expect(used.filter((v) => v > q3 + 1.5 * (q3 - q1))).toEqual([3.5]);
  });
  it('the same for %memused', () => {
    const box = boxplotStats(parseFixture('thesis/fence-ram.sar-r.txt').memory.map((s) => s.memUsedPercent));
    expect(box.stats[4]).toBe(33.5);
    expect(box.out).toEqual([]);
  });
  it('an unrounded 100 - %idle keeps both outliers that rounding would lose one of', () => {
    const used = parseFixture('thesis/rounding-cpu.sar-u.txt').cpu.map((s) => s.used);
    expect(boxplotStats(used).out).toHaveLength(2);
    expect(boxplotStats(used.map((v) => Math.round(v * 100) / 100)).out).toHaveLength(1);
  });
  it('fivenum follows R for small and even n', () => {
    expect(fivenum([1])).toEqual([1, 1, 1, 1, 1]);
    expect(fivenum([4, 1, 3, 2])).toEqual([1, 1.5, 2.5, 3.5, 4]);
    expect(fivenum([1, 2, 3, 4, 5, 6])).toEqual([1, 2, 3.5, 5, 6]);
  });
  it('describe() of nothing is null and of one value has no sd', () => {
    expect(describeStats([])).toBeNull();
    expect(describeStats([3])).toMatchObject({ n: 1, mean: 3, sd: null, box: [3, 3, 3, 3, 3], outliers: 0 });
  });
});

describe("inference equals R's t.test and wilcox.test", () => {
  it.each(Object.keys(rInference))('%s', (name) => {
    const c = rInference[name]!;
    const welch = welchTTest(c.a, c.b)!;
    expect(welch.t).toBeCloseTo(c.welch.t, 9);
    expect(welch.df).toBeCloseTo(c.welch.df, 9);
    expect(welch.pValue).toBeCloseTo(c.welch.p, 9);
    const mw = mannWhitneyU(c.a, c.b)!;
    expect(mw.w).toBe(c.wilcox.W);
    expect(mw.pValue!).toBeCloseTo(c.wilcox.p, 9);
    const ci = meanConfidenceInterval(c.a);
    expect(ci.mean!).toBeCloseTo(c.meanA, 12);
    expect(ci.lower!).toBeCloseTo(c.ciA[0], 9);
    expect(ci.upper!).toBeCloseTo(c.ciA[1], 9);
  });
  it('uses the exact Mann-Whitney distribution without ties below 50 values, the normal one otherwise', () => {
    expect(mannWhitneyU(rInference['small-no-ties']!.a, rInference['small-no-ties']!.b)!.method).toBe('exact');
    expect(mannWhitneyU(rInference.ties!.a, rInference.ties!.b)!.method).toBe('normal');
    expect(mannWhitneyU(rInference.large!.a, rInference.large!.b)!.method).toBe('normal');
  });
  it('pwilcox sums to one and is symmetric', () => {
    expect(pwilcox(12, 4, 6)).toBeCloseTo(1 - pwilcox(11, 4, 6), 12);
    expect(pwilcox(24, 4, 6)).toBe(1);
    expect(pwilcox(-1, 4, 6)).toBe(0);
  });
  it('effect sizes: Cohen d with pooled sd, Hedges g smaller, rank-biserial in [-1, 1]', () => {
    const e = effectSize([2, 3, 4], [1, 2, 3])!;
    expect(e.cohensD).toBeCloseTo(1, 12);
    expect(e.hedgesG).toBeCloseTo(1 * (1 - 3 / (4 * 6 - 9)), 12);
    expect(mannWhitneyU([5, 6, 7], [1, 2, 3])!.rankBiserial).toBe(1);
  });
  it('needs two values per side for tests and intervals', () => {
    expect(welchTTest([1], [1, 2])).toBeNull();
    expect(meanConfidenceInterval([4])).toMatchObject({ n: 1, mean: 4, lower: null, upper: null });
    expect(effectSize([1], [2, 3])).toBeNull();
  });
});
