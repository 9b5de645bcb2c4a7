/**
 * A scenario run belongs to the experiment that started it: only a `securityExperiment` the worker resolved
 * passes it an environment (cluster, node map, tool settings) and artifact keys. Started any other way (from
 * the UI, with a hand-written input), it fails before any activity runs, naming what its input sets.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { environmentPathsSetIn } from '../src/domain/environmentFields';
import { scenarioWorkflowId } from '../src/domain/naming';
import type { ScenarioRunInput } from './scenarioRun';

export function refuseUnlessStartedByExperiment(input: ScenarioRunInput): void {
  const { parent, workflowId } = workflowInfo();
  const expectedId = parent ? scenarioWorkflowId(parent.workflowId, input.scenario, input.repetition) : undefined;
  const problem = !parent
    ? 'scenarioRun was started directly: only a securityExperiment (which the worker resolves) starts it; start securityExperiment instead'
    : workflowId !== expectedId
      ? `scenarioRun ${JSON.stringify(workflowId)} is not its parent's child ${JSON.stringify(expectedId)}: only a securityExperiment ` +
        `starts it`
      : undefined;
  if (!problem) return;
  const fields = [
    ...environmentPathsSetIn(input.config).map((field) => `config.${field}`),
    ...(['cluster', 'artifactKey', 'definitionsKey'] as const).filter((field) => input[field] !== undefined),
  ];
  const errors = [
    { field: '(start)', message: problem },
    ...fields.map((field) => ({ field, message: "ignored: only the worker's config and its record of the experiment choose this" })),
  ];
  const ignored = fields.length ? `; its input sets ${fields.join(', ')}, which the worker chooses` : '';
  throw ApplicationFailure.create({
    type: 'InvalidInput',
    nonRetryable: true,
    message: `invalid scenarioRun start: ${problem}${ignored}`,
    details: [{ errors }],
  });
}
