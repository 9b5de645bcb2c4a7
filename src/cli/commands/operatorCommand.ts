import type { OperatorAction } from '../../domain/progress';
import { operatorDecisionUpdate } from '../../../workflows/definitions';
import { readProgress } from './progressCommand';
import { withClient } from './shared';
import { scenarioWorkflowId } from '../../domain/naming';

/** Sends retry/skip/abort to the scenario waiting for an operator (given its id or its experiment's). */
export async function decideCommand(workflowId: string, decision: { action: OperatorAction; reason?: string }): Promise<void> {
  await withClient(async (client) => {
    const view = await readProgress(client, workflowId);
    const waiting = view.scenarios.filter((s) => s.waitingForOperator);
    if (waiting.length === 0) throw new Error(`no step of ${workflowId} is waiting for an operator`);
    for (const s of waiting) {
      const target = view.kind === 'scenario' ? workflowId : scenarioWorkflowId(workflowId, s.scenario, s.repetition);
      const answer = await client.workflow
        .getHandle(target)
        .executeUpdate(operatorDecisionUpdate, { args: [{ ...decision, by: 'hardenlab cli' }] });
      console.log(`${target}: ${answer}`);
    }
  });
}

/** Cancel (not terminate): the scenario's reset and teardown still run, and a partial report is written. */
export async function cancelCommand(workflowId: string): Promise<void> {
  await withClient(async (client) => {
    await client.workflow.getHandle(workflowId).cancel();
    console.log(`cancellation requested for ${workflowId}; reset and the partial report follow (hardenlab status ${workflowId})`);
  });
}
