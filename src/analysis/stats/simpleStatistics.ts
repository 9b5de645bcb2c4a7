// simple-statistics ships CommonJS for require() but types that TypeScript reads as ESM-only; this keeps
// the require() (sync, works in Node and jest) and borrows the types.
import type * as SimpleStatistics from 'simple-statistics' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ss = require('simple-statistics') as typeof SimpleStatistics;

export const { mean, medianSorted, sampleStandardDeviation, sampleVariance } = ss;
