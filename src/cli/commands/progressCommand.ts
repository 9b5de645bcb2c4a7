/** Reads an experiment's (or a scenario's) progress through queries, for `status`, `run --follow` and operator commands. */
import type { Client } from '@temporalio/client';
import type { ExperimentProgress, ScenarioProgress } from '../../domain/progress';
import { experimentProgressQuery, scenarioProgressQuery } from '../../../workflows/definitions';

export interface ProgressView {
  kind: 'experiment' | 'scenario';
  workflowId: string;
  status: string;
  experiment?: ExperimentProgress;
  scenarios: ScenarioProgress[];
  /** No worker answered the progress query (none is running for the task queue). */
  noWorker?: boolean;
}

/** Queries need a worker; without one they would wait forever, so each gets a deadline. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

export async function readProgress(client: Client, workflowId: string, queryTimeoutMs = 10_000): Promise<ProgressView> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status = description.status.name;
  if (description.type === 'scenarioRun') {
    const progress = await withDeadline(handle.query(scenarioProgressQuery), queryTimeoutMs);
    return { kind: 'scenario', workflowId, status, scenarios: progress ? [progress] : [], noWorker: !progress };
  }
  const experiment = await withDeadline(handle.query(experimentProgressQuery), queryTimeoutMs);
  const scenarios: ScenarioProgress[] = [];
  for (const s of experiment?.scenarios.filter((s) => s.status !== 'pending') ?? []) {
    const child = await withDeadline(client.workflow.getHandle(s.workflowId).query(scenarioProgressQuery), queryTimeoutMs);
    if (child) scenarios.push(child);
  }
  return { kind: 'experiment', workflowId, status, experiment, scenarios, noWorker: !experiment };
}

export function formatProgress(view: ProgressView, now = Date.now()): string {
  const lines = [`${view.kind} ${view.workflowId}: ${view.status}${view.experiment ? ` (${view.experiment.phase})` : ''}`];
  if (view.noWorker) lines.push('  (no worker answered the progress query: is `hardenlab worker` running for this task queue?)');
  if (view.experiment) {
    for (const rep of view.experiment.plan) lines.push(`  repetition ${rep.repetition}: ${rep.order.join(' → ')}`);
  }
  for (const s of view.scenarios) {
    let line = `  ${s.scenario} #${s.repetition}: ${s.status}, step ${s.step} (attempt ${s.attempt})`;
    if (s.window && s.step === 'sampling-window') line += `, window ${Math.max(0, Math.round((s.window.endsAt - now) / 1000))} s left`;
    lines.push(line);
    if (s.waitingForOperator) {
      const w = s.waitingForOperator;
      lines.push(
        `    WAITING FOR OPERATOR: ${w.step} failed: ${w.error}`,
        `    answer with: hardenlab retry|skip|abort ${view.workflowId} (aborts by itself in ${Math.round((w.deadline - now) / 1000)} s)`,
      );
    }
  }
  return lines.join('\n');
}
