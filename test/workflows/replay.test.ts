/**
 * Replays recorded histories against the current workflow code: a change that would break
 * in-flight runs (non-determinism) fails here. Re-record with RECORD_HISTORIES=1 after an
 * intentional, versioned change (see test/support/histories.ts).
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { historiesDir } from '../support/histories';
import { sharedWorkflowBundle } from '../support/workflowBundle';

jest.setTimeout(120_000);

test('recorded histories replay against the current workflow code', async () => {
  const files = (await fs.readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(4);
  const histories = await Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await fs.readFile(path.join(historiesDir, file), 'utf8'));
      return { workflowId: workflowId as string, history: historyFromJSON(history) };
    }),
  );
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await sharedWorkflowBundle() }, histories)) results.push(result);
  const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`);
  expect(failures).toEqual([]);
  expect(results).toHaveLength(files.length);
});
