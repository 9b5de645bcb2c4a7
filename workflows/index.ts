/** The workflow types the worker registers: `securityExperiment` (start this one) and its child `scenarioRun`. */
export { securityExperiment } from './securityExperiment';
export { scenarioRun, type ScenarioRunInput } from './scenarioRun';
export * from './definitions';
