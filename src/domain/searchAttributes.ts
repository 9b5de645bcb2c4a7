/**
 * hardenlab's custom search attributes, so the Temporal UI's workflow list filters by scenario
 * (`HardenlabScenario = "baseline"`), repetition or experiment. A server rejects attributes it does not
 * know: `hardenlab dev` registers them on its server; on a team's server an operator does
 * (`temporal operator search-attribute create`), and the worker config says so (`temporal.searchAttributes`).
 * Plain data, so workflow code may import it.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { ScenarioName } from './scenarios';

export const SEARCH_ATTRIBUTES = {
  experiment: { name: 'HardenlabExperiment', type: 'KEYWORD' },
  scenario: { name: 'HardenlabScenario', type: 'KEYWORD' },
  repetition: { name: 'HardenlabRepetition', type: 'INT' },
} as const satisfies Record<string, SearchAttributeKey<'KEYWORD' | 'INT'>>;

/** The experiment's own attributes (set by the parent on itself). */
export function experimentSearchAttributes(experimentId: string): SearchAttributePair[] {
  return [{ key: SEARCH_ATTRIBUTES.experiment, value: experimentId }];
}

/** A scenario child's attributes, set when the parent starts it. */
export function scenarioSearchAttributes(experimentId: string, scenario: ScenarioName, repetition: number): SearchAttributePair[] {
  return [
    ...experimentSearchAttributes(experimentId),
    { key: SEARCH_ATTRIBUTES.scenario, value: scenario },
    { key: SEARCH_ATTRIBUTES.repetition, value: repetition },
  ];
}

/** How the Temporal UI and timeline name a scenario run: `baseline #1`. */
export function scenarioLabel(scenario: ScenarioName, repetition: number): string {
  return `${scenario} #${repetition}`;
}
