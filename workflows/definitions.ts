/**
 * Signals, queries and updates, exported as constants so the CLI, tests and the Temporal UI
 * use the same names.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExperimentProgress, OperatorDecision, ScenarioProgress } from '../src/domain/progress';

/** Current scenario, step, attempt and window of a `scenarioRun`. */
export const scenarioProgressQuery = defineQuery<ScenarioProgress>('progress');
/** Plan and scenario statuses of a `securityExperiment`. */
export const experimentProgressQuery = defineQuery<ExperimentProgress>('progress');

/**
 * An operator's answer to a step that exhausted its retries: `{"action":"retry"|"skip"|"abort"}`.
 * A signal, so it can be sent from the Temporal UI with a small JSON body.
 */
export const operatorDecisionSignal = defineSignal<[OperatorDecision]>('operatorDecision');
/** The same as an update, which tells the sender whether a step was waiting (used by the CLI). */
export const operatorDecisionUpdate = defineUpdate<string, [OperatorDecision]>('decide');
