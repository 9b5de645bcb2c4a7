import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { temporalCliPath } from '../../src/temporal/binaries';

export const historiesDir = path.resolve(__dirname, '../fixtures/histories');

/** Every recorded history, as a path relative to historiesDir (subfolders hold earlier releases' recordings), sorted. */
export function historyFiles(): string[] {
  return readdirSync(historiesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** A workflow's history as the Temporal CLI prints it (`temporal workflow show --output json`). */
export function showHistory(address: string, workflowId: string, namespace = 'default'): string {
  return execFileSync(
    temporalCliPath(process.env),
    ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--namespace', namespace, '--output', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000, // a stalled server fails the test instead of blocking its jest worker
    },
  );
}

/**
 * Saves the histories of an experiment and its children as replay fixtures when RECORD_HISTORIES names
 * a release folder (`RECORD_HISTORIES=v0.2.0 npm run test:workflows`), then add them to MANIFEST.sha256
 * (`node -r ./test/support/registerTs.js test/support/fixturesManifest.ts`). Recorded from real runs (time-skipping
 * server or the dev server with the real test bed), they guard in-flight 24 h runs against incompatible workflow changes.
 */
export async function recordHistories(address: string, name: string, workflowIds: string[]): Promise<void> {
  const release = process.env.RECORD_HISTORIES;
  if (!release) return;
  if (!/^v[\w.-]+$/.test(release)) throw new Error(`RECORD_HISTORIES=${release}: name the release folder, e.g. v0.2.0`);
  const dir = path.join(historiesDir, release);
  await fs.mkdir(dir, { recursive: true });
  for (const [index, workflowId] of workflowIds.entries()) {
    const history = JSON.parse(showHistory(address, workflowId));
    const type = workflowId.split('/').length > 1 ? 'scenarioRun' : 'securityExperiment';
    // Append-only: a recording never replaces one that in-flight runs of an earlier release depend on.
    const file = path.join(dir, `${name}.${index}.${type}.json`);
    await fs.writeFile(file, JSON.stringify({ workflowId, history }) + '\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EEXIST' ? new Error(`${file} exists: fixtures are append-only, record into a new release folder`) : err;
    });
  }
}
