/**
 * What a run could have detected (issue 27): the smallest true difference between a scenario and the
 * baseline that Welch's two-sided t-test at `alpha` finds with probability `power`, given each side's spread
 * and repetitions. The usual t approximation: MDD = (t(1−α/2, df) + t(power, df)) · √(s₁²/n₁ + s₂²/n₂), with
 * Welch–Satterthwaite df. It ignores the noncentral t's skew, so with very few repetitions it is below R's exact
 * power.t.test delta: by 5.1 % at n = 2 per side, 1.2 % at 3, 0.2 % at 5, under 0.1 % from 10.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { sampleStandardDeviation } from '../stats/simpleStatistics';

export interface SpreadFigure {
  /** Sample standard deviation of the metric over repetitions (per-repetition means, e.g. CPU %). */
  sd: number;
  /** Repetitions. */
  n: number;
}

export interface DetectableOptions {
  alpha?: number;
  power?: number;
}

export interface MinimumDetectable {
  /** The smallest difference, in the metric's unit; null when it cannot be estimated (fewer than 2 repetitions a side). */
  difference: number | null;
  df: number | null;
  alpha: number;
  power: number;
  why?: string;
}

/** From each side's spread and repetitions: a finished run's figures, or a pilot's for `validate`. */
export function minimumDetectableDifference(a: SpreadFigure, b: SpreadFigure, options: DetectableOptions = {}): MinimumDetectable {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
    throw new RangeError(`alpha ${alpha} and power ${power} must be between 0 and 1`);
  }
  for (const side of [a, b]) {
    if (!Number.isFinite(side.sd) || side.sd < 0) {
      throw new RangeError(`a standard deviation must be a finite number ≥ 0, got ${side.sd}`);
    }
  }
  if (a.n < 2 || b.n < 2) return { difference: null, df: null, alpha, power, why: 'needs at least 2 repetitions of each scenario' };
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se2 = va + vb;
  if (se2 === 0) return { difference: 0, df: null, alpha, power, why: 'no spread was measured: any difference would show' };
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const difference = (tQuantile(1 - alpha / 2, df) + tQuantile(power, df)) * Math.sqrt(se2);
  return { difference, df, alpha, power };
}

/** The same from the measured per-repetition values of both sides. */
export function minimumDetectableFromValues(
  a: readonly number[],
  b: readonly number[],
  options: DetectableOptions = {},
): MinimumDetectable {
  const spread = (values: readonly number[]) => ({
    sd: values.length < 2 ? 0 : sampleStandardDeviation(values as number[]),
    n: values.length,
  });
  return minimumDetectableDifference(spread(a), spread(b), options);
}
