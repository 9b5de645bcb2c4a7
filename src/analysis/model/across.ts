/**
 * One metric over repetitions (one value per completed repetition): its mean with a 95 % CI, and against the
 * baseline's values the difference with Welch's test and CI, Mann-Whitney U, effect sizes and the smallest
 * difference the repetitions could have detected. Shared by the CPU and memory figures and the load phase's
 * latencies, so they are judged alike.
 */
import { minimumDetectableFromValues } from '../load/detectable';
import { effectSize, mannWhitneyU, meanConfidenceInterval, welchTTest } from '../stats/inference';
import { mean } from '../stats/simpleStatistics';
import type { AcrossRepetitions } from './runData';

/** `baseline`: the baseline's values of the same metric; absent for the baseline itself. */
export function acrossRepetitions(values: number[], baseline: number[] | undefined): AcrossRepetitions {
  let vsBaseline: AcrossRepetitions['vsBaseline'] = null;
  if (baseline) {
    // A test of one value against one value says nothing; below two per side only the difference is given.
    const testable = values.length >= 2 && baseline.length >= 2;
    vsBaseline = {
      baselineN: baseline.length,
      scenarioN: values.length,
      difference: values.length && baseline.length ? mean(values) - mean(baseline) : null,
      welch: testable ? welchTTest(values, baseline) : null,
      mannWhitney: testable ? mannWhitneyU(values, baseline) : null,
      effect: testable ? effectSize(values, baseline) : null,
      detectable: minimumDetectableFromValues(values, baseline),
    };
  }
  return { values, ci: meanConfidenceInterval(values), vsBaseline };
}
