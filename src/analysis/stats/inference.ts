import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, sampleVariance } from './simpleStatistics';

/** Mean with a two-sided confidence interval from the t distribution (R's t.test(x)$conf.int). */
export interface MeanCI {
  n: number;
  mean: number | null;
  /** null below two values: no interval can be formed. */
  lower: number | null;
  upper: number | null;
  level: number;
}

export function meanConfidenceInterval(values: readonly number[], level = 0.95): MeanCI {
  const n = values.length;
  if (n === 0) return { n, mean: null, lower: null, upper: null, level };
  const m = mean(values as number[]);
  if (n < 2) return { n, mean: m, lower: null, upper: null, level };
  const se = Math.sqrt(sampleVariance(values as number[]) / n);
  const q = tQuantile(1 - (1 - level) / 2, n - 1);
  return { n, mean: m, lower: m - q * se, upper: m + q * se, level };
}

/** Welch's two-sample t-test, two-sided, as R's t.test(a, b) (var.equal = FALSE). */
export interface WelchResult {
  t: number;
  df: number;
  pValue: number;
  /** mean(a) − mean(b) */
  difference: number;
  /** 95 % confidence interval of the difference (R's t.test(a, b)$conf.int). */
  lower: number;
  upper: number;
}

export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleVariance(a as number[]) / a.length;
  const vb = sampleVariance(b as number[]) / b.length;
  const se2 = va + vb;
  const difference = mean(a as number[]) - mean(b as number[]);
  if (se2 === 0) return null; // R: "data are essentially constant"
  const t = difference / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const half = tQuantile(0.975, df) * Math.sqrt(se2);
  return { t, df, pValue: 2 * tCdf(-Math.abs(t), df), difference, lower: difference - half, upper: difference + half };
}

/**
 * Mann-Whitney U (R's wilcox.test(a, b), two-sided, correct = TRUE, exact = NULL): the exact distribution
 * when both samples have fewer than 50 values and there are no ties, otherwise the normal approximation
 * with the continuity correction and the tie correction of the variance.
 */
export interface MannWhitneyResult {
  /** R's W: the rank sum of `a` minus na(na+1)/2, i.e. U of `a`. */
  w: number;
  pValue: number | null;
  method: 'exact' | 'normal';
  /** 2W/(na·nb) − 1: +1 when every a exceeds every b, −1 when every a is below. */
  rankBiserial: number;
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult | null {
  const nx = a.length;
  const ny = b.length;
  if (nx === 0 || ny === 0) return null;
  const all = [...a.map((v) => ({ v, x: true })), ...b.map((v) => ({ v, x: false }))].sort((p, q) => p.v - q.v);
  const ranks = new Array<number>(all.length);
  const tieSizes: number[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  let rankSumX = 0;
  all.forEach((e, k) => {
    if (e.x) rankSumX += ranks[k]!;
  });
  const w = rankSumX - (nx * (nx + 1)) / 2;
  const rankBiserial = (2 * w) / (nx * ny) - 1;
  const hasTies = tieSizes.some((t) => t > 1);
  if (nx < 50 && ny < 50 && !hasTies) {
    const p = w > (nx * ny) / 2 ? 1 - pwilcox(w - 1, nx, ny) : pwilcox(w, nx, ny);
    return { w, pValue: Math.min(2 * p, 1), method: 'exact', rankBiserial };
  }
  let z = w - (nx * ny) / 2;
  const tieTerm = tieSizes.reduce((s, t) => s + (t * t * t - t), 0) / ((nx + ny) * (nx + ny - 1));
  const sigma = Math.sqrt(((nx * ny) / 12) * (nx + ny + 1 - tieTerm));
  if (sigma === 0) return { w, pValue: null, method: 'normal', rankBiserial };
  z = (z - Math.sign(z) * 0.5) / sigma;
  const p = 2 * Math.min(normalCdf(z, 0, 1), 1 - normalCdf(z, 0, 1));
  return { w, pValue: p, method: 'normal', rankBiserial };
}

/** P(W ≤ q) for the Mann-Whitney statistic with samples of m and n values and no ties (R's pwilcox). */
export function pwilcox(q: number, m: number, n: number): number {
  const max = m * n;
  if (q < 0) return 0;
  if (q >= max) return 1;
  // counts[i][j] as polynomials in U: the largest of i+j values is either an a (U += j) or a b.
  let prev: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= n; j++) {
      const poly = new Float64Array(i * j + 1);
      if (i === 0 || j === 0) poly[0] = 1;
      else {
        const fromA = prev[j]!;
        for (let u = 0; u < fromA.length; u++) poly[u + j] = poly[u + j]! + fromA[u]!;
        const fromB = row[j - 1]!;
        for (let u = 0; u < fromB.length; u++) poly[u] = poly[u]! + fromB[u]!;
      }
      row.push(poly);
    }
    prev = row;
  }
  const counts = prev[n]!;
  let total = 0;
  let below = 0;
  for (let u = 0; u < counts.length; u++) {
    total += counts[u]!;
    if (u <= Math.floor(q)) below += counts[u]!;
  }
  return below / total;
}

/** Cohen's d with the pooled standard deviation, and Hedges' g (small-sample corrected). */
export interface EffectSize {
  cohensD: number;
  hedgesG: number;
}

export function effectSize(a: readonly number[], b: readonly number[]): EffectSize | null {
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2) return null;
  const pooled = Math.sqrt(((na - 1) * sampleVariance(a as number[]) + (nb - 1) * sampleVariance(b as number[])) / (na + nb - 2));
  if (pooled === 0) return null;
  const cohensD = (mean(a as number[]) - mean(b as number[])) / pooled;
  return { cohensD, hedgesG: cohensD * (1 - 3 / (4 * (na + nb) - 9)) };
}
