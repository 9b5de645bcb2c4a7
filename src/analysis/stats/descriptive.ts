import { mean as ssMean, medianSorted, sampleStandardDeviation } from './simpleStatistics';
import { boxplotStats } from './boxplot';

export interface Descriptive {
  n: number;
  mean: number;
  median: number;
  /** First and third quartiles as R's quantile() (type 7) and summary() give them. */
  q1: number;
  q3: number;
  min: number;
  max: number;
  /** Sample standard deviation (n − 1), as R's sd(); null below two values. */
  sd: number | null;
  /** R's boxplot.stats(x)$stats. */
  box: [number, number, number, number, number];
  /** length(boxplot.stats(x)$out). */
  outliers: number;
  outlierValues: number[];
}

/** R's default quantile (type 7) of an ascending array. */
export function quantileType7Sorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[hi]! - a);
}

/** Descriptive statistics and the boxplot outliers of one series; null for an empty series. */
export function describe(values: readonly number[]): Descriptive | null {
  if (values.length === 0) return null;
  const sortedTyped = Float64Array.from(values).sort();
  const sorted = sortedTyped as unknown as number[];
  const box = boxplotStats(values, 1.5, sortedTyped);
  return {
    n: values.length,
    mean: ssMean(values as number[]),
    median: medianSorted(sorted),
    q1: quantileType7Sorted(sortedTyped, 0.25),
    q3: quantileType7Sorted(sortedTyped, 0.75),
    min: sortedTyped[0]!,
    max: sortedTyped[sortedTyped.length - 1]!,
    sd: values.length > 1 ? sampleStandardDeviation(values as number[]) : null,
    box: box.stats,
    outliers: box.out.length,
    outlierValues: box.out,
  };
}
