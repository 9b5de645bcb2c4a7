/**
 * R's grDevices::boxplot.stats and stats::fivenum, operation for operation, so that values sitting
 * exactly on a fence fall on the same side as in R (no rounding anywhere).
 */

/** Tukey's five-number summary of an ascending array (R's fivenum): min, lower hinge, median, upper hinge, max. */
export function fivenumSorted(sorted: ArrayLike<number>): [number, number, number, number, number] {
  const n = sorted.length;
  if (n === 0) return [NaN, NaN, NaN, NaN, NaN];
  const n4 = Math.floor((n + 3) / 2) / 2;
  const d = [1, n4, (n + 1) / 2, n + 1 - n4, n];
  // R: 0.5 * (x[floor(d)] + x[ceiling(d)]) with 1-based indexes.
  return d.map((k) => 0.5 * (sorted[Math.floor(k) - 1]! + sorted[Math.ceil(k) - 1]!)) as [number, number, number, number, number];
}

export function fivenum(values: readonly number[]): [number, number, number, number, number] {
  return fivenumSorted(Float64Array.from(values).sort());
}

export interface BoxplotStats {
  /** R's `$stats`: lower whisker, lower hinge, median, upper hinge, upper whisker. */
  stats: [number, number, number, number, number];
  n: number;
  /** R's `$conf`: the notch, median ± 1.58 × hinge spread / √n. */
  conf: [number, number];
  /** R's `$out`: the outliers in their original order. */
  out: number[];
}

/**
 * R's boxplot.stats(x, coef = 1.5). `sorted` may be passed when the caller already has `values` in
 * ascending order (it must be the same multiset).
 */
export function boxplotStats(values: readonly number[], coef = 1.5, sorted?: ArrayLike<number>): BoxplotStats {
  if (coef < 0) throw new RangeError("'coef' must not be negative");
  const x = values.filter((v) => !Number.isNaN(v));
  const n = x.length;
  const stats = fivenumSorted(sorted ?? Float64Array.from(x).sort());
  const iqr = stats[3] - stats[1];
  let out: number[] = [];
  if (coef !== 0) {
    const isOut = Number.isNaN(iqr)
      ? (v: number) => !Number.isFinite(v)
      : (v: number) => v < stats[1] - coef * iqr || v > stats[3] + coef * iqr;
    out = x.filter(isOut);
    if (out.length > 0) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of x) {
        if (isOut(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      stats[0] = lo;
      stats[4] = hi;
    }
  }
  const half = (1.58 * iqr) / Math.sqrt(n);
  // R: stats[3L] + c(-1.58, 1.58) * iqr/sqrt(n), i.e. ((±1.58) * iqr) / sqrt(n)
  const conf: [number, number] = [stats[2] + (-1.58 * iqr) / Math.sqrt(n), stats[2] + half];
  return { stats, n, conf, out };
}
