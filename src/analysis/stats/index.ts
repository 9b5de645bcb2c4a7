export { boxplotStats, fivenum, fivenumSorted, type BoxplotStats } from './boxplot';
export { describe, quantileType7Sorted, type Descriptive } from './descriptive';
export {
  effectSize,
  mannWhitneyU,
  meanConfidenceInterval,
  pwilcox,
  welchTTest,
  type EffectSize,
  type MannWhitneyResult,
  type MeanCI,
  type WelchResult,
} from './inference';
