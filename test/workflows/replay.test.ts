/**
 * Replays every recorded history (one folder per release: `v0.1.0-pre-activity-ids/`, `v0.2.0/`, …)
 * against the current workflow code: a change that would break in-flight runs (non-determinism) fails
 * here. Fixtures are append-only (MANIFEST.sha256, test/unit/fixtures/manifest.test.ts): version a
 * workflow change with `patched()` (workflows/patches.ts) and add recordings beside the old ones.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { historiesDir, historyFiles } from '../support/histories';
import { sharedWorkflowBundle } from '../support/workflowBundle';

jest.setTimeout(180_000);

/**
 * Recorded from commit 398a405, which named activity ids without a patch marker. Their histories differ
 * from v0.1.0's only in the ids themselves, which workflow code cannot see, so no guard can replay both:
 * v0.1.0's runs replay, and runs started by that unreleased build must finish on it (or be restarted).
 * They stay as they were (append-only) and are asserted to fail exactly there and nowhere else.
 */
const UNGUARDED_398A405 = [
  'cancelled.0.securityExperiment.json', 'cancelled.1.scenarioRun.json',
  'full-pipeline.0.securityExperiment.json', 'full-pipeline.1.scenarioRun.json', 'full-pipeline.2.scenarioRun.json', 'full-pipeline.3.scenarioRun.json',
  'operator.0.scenarioRun.json', 'operator.1.scenarioRun.json',
  'testbed.0.securityExperiment.json', 'testbed.1.scenarioRun.json', 'testbed.2.scenarioRun.json', 'testbed.3.scenarioRun.json',
];

interface Replayed {
  file: string;
  error?: string;
}

async function replay(files: string[]): Promise<Replayed[]> {
  // One replay per release folder: releases' recordings share workflow ids, which name the results.
  const out: Replayed[] = [];
  for (const folder of [...new Set(files.map((f) => path.posix.dirname(f)))]) {
    const inFolder = files.filter((f) => path.posix.dirname(f) === folder);
    const byId = new Map<string, string>();
    const histories = await Promise.all(
      inFolder.map(async (file) => {
        const { workflowId, history } = JSON.parse(await fs.readFile(path.join(historiesDir, file), 'utf8'));
        byId.set(workflowId, file);
        return { workflowId: workflowId as string, history: historyFromJSON(history) };
      }),
    );
    expect(byId.size).toBe(inFolder.length);
    for await (const result of Worker.runReplayHistories({ workflowBundle: await sharedWorkflowBundle() }, histories)) {
      out.push({ file: byId.get(result.workflowId)!, error: result.error ? String(result.error) : undefined });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

test('histories recorded by every release replay against the current workflow code', async () => {
  const files = historyFiles().filter((f) => !UNGUARDED_398A405.includes(f));
  expect(files.filter((f) => f.startsWith('v0.1.0-pre-activity-ids/'))).toHaveLength(12);
  const results = await replay(files);
  expect(results.filter((r) => r.error).map((r) => `${r.file}: ${r.error}`)).toEqual([]);
  expect(results.map((r) => r.file)).toEqual(files);
});

test('the histories of the unguarded 398a405 build fail only on their unmarked activity ids', async () => {
  expect(historyFiles()).toEqual(expect.arrayContaining(UNGUARDED_398A405));
  const results = await replay(UNGUARDED_398A405);
  expect(results).toHaveLength(12);
  for (const { file, error } of results) {
    expect([file, error]).toEqual([file, expect.stringMatching(/Activity id of scheduled event '(provision|resolve-input)' does not match activity id of activity command '1'/)]);
  }
});
