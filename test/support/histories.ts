import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { temporalCliPath } from '../../src/temporal/binaries';

export const historiesDir = path.resolve(__dirname, '../fixtures/histories');

/** A workflow's history as the Temporal CLI prints it (`temporal workflow show --output json`). */
export function showHistory(address: string, workflowId: string, namespace = 'default'): string {
  return execFileSync(temporalCliPath(), ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--namespace', namespace, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Saves the histories of an experiment and its children as replay fixtures, when RECORD_HISTORIES=1.
 * Recorded from real runs (time-skipping server or the dev server with the real test bed), they guard
 * in-flight 24 h runs against incompatible workflow changes.
 */
export async function recordHistories(address: string, name: string, workflowIds: string[]): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await fs.mkdir(historiesDir, { recursive: true });
  for (const [index, workflowId] of workflowIds.entries()) {
    const history = JSON.parse(showHistory(address, workflowId));
    const type = workflowId.split('/').length > 1 ? 'scenarioRun' : 'securityExperiment';
    await fs.writeFile(path.join(historiesDir, `${name}.${index}.${type}.json`), JSON.stringify({ workflowId, history }) + '\n');
  }
}
