export * from './types';
export { buildReportModel, summarizeRun, type BuildOptions } from './build';
export {
  ExperimentDataError,
  experimentDataSchema,
  mergeExperimentData,
  scenarioRunDataSchema,
  validateExperimentData,
  validateScenarioRunData,
} from './load';
