export * from './runData';
export { buildReportModel, summarizeRun, type BuildOptions } from './build';
export {
  ExperimentDataError,
  experimentDataSchema,
  mergeExperimentData,
  scenarioRunDataSchema,
  validateExperimentData,
  validateScenarioRunData,
} from './experimentData';
export { buildFirstScreen, scenarioSentences, type FirstScreen, type ThisRun } from './firstScreen';
export { sharedHostCheck, nodeFactsView, type TrustItem, type TrustLevel, type NodeFactsView } from './hosts';
export { THESIS, type ThesisFigures } from './thesis';
