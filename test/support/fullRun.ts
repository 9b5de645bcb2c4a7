/**
 * The one full three-scenario run of a test run on the test bed (real dev server, real worker with the
 * production activities, kube-bench and kube-hunter): its result, its artifacts (under hardenlabHome())
 * and every history on its dedicated dev server feed pipeline.test.ts (outcome, records, report) and
 * secrets.test.ts (the history scan). The first file that asks runs it; the other reads it from
 * .hardenlab/test-runs/<run id>.json (see testRun.ts). A file run
 * on its own (no run id) runs it itself. A failed run is kept too, so the second file fails at once.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentResult } from '../../src/domain/progress';
import { recordHistories, showHistory } from './histories';
import { TEST_RUN_ID_ENV, testRunsDir } from './testRun';
import { workerConfigEnv } from './workerConfig';
import { startWorkerRun } from './workerRun';

export interface FullRun {
  workflowId: string;
  result: ExperimentResult;
  /** Every execution on the run's own dev server (parent, children, anything else), as the Temporal CLI prints it. */
  histories: { workflowId: string; text: string }[];
  /** Shaped like a Linode API token (64 hex digits), valid nowhere; placed in the worker's environment for the scan. */
  fakeLinodeToken: string;
}

/** The input of the full run: all three scenarios, a 20 s window sampled every 2 s. */
export const FULL_RUN_INPUT = {
  window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 },
  workload: { loadBalancerWaitSeconds: 5 },
};



export async function fullPipelineRun(): Promise<FullRun> {
  const runId = process.env[TEST_RUN_ID_ENV];
  if (!runId) return runOnce();
  const cacheFile = path.join(testRunsDir, `${runId}.json`);
  await fs.mkdir(testRunsDir, { recursive: true });
  // Files of one jest run may run in parallel: the one that creates the lock runs, the others wait for its result.
  const lock = await fs.open(path.join(testRunsDir, `${runId}.lock`), 'wx').catch(() => undefined);
  if (!lock) return waitForSaved(cacheFile);
  await lock.close();
  for (const old of await fs.readdir(testRunsDir)) if (/\.(json|lock)$/.test(old) && !old.startsWith(`${runId}.`)) await fs.rm(path.join(testRunsDir, old), { force: true });
  const outcome = await runOnce().then(
    (run) => ({ run }),
    (error: unknown) => ({ error: error as Error }),
  );
  const temporary = `${cacheFile}.tmp`;
  await fs.writeFile(temporary, JSON.stringify('run' in outcome ? outcome.run : { error: outcome.error.message }));
  await fs.rename(temporary, cacheFile);
  if ('error' in outcome) throw outcome.error;
  return outcome.run;
}

async function waitForSaved(cacheFile: string): Promise<FullRun> {
  const deadline = Date.now() + 25 * 60_000;
  for (;;) {
    const saved = await fs.readFile(cacheFile, 'utf8').then((text) => JSON.parse(text) as FullRun | { error: string }, () => undefined);
    if (saved && 'error' in saved) throw new Error(`the full run of this test run failed in another file: ${saved.error}`);
    if (saved) return saved;
    if (Date.now() > deadline) throw new Error(`no full run result in ${cacheFile} after 25 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function runOnce(): Promise<FullRun> {
  const suffix = Date.now().toString(36);
  const fakeLinodeToken = randomBytes(32).toString('hex');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-full-run-'));
  // The test bed is the worker's environment (its config file); the input carries design only.
  const env = await workerConfigEnv(dir, undefined, { ...process.env, LINODE_TOKEN: fakeLinodeToken, HARDENLAB_LINODE_TOKEN: fakeLinodeToken });
  const run = await startWorkerRun({ dir, taskQueue: `full-run-${suffix}`, env });
  try {
    const workflowId = `full-run-${suffix}`;
    const result: ExperimentResult = await run.client.workflow.execute('securityExperiment', {
      taskQueue: run.temporal.taskQueue,
      workflowId,
      args: [FULL_RUN_INPUT],
      workflowExecutionTimeout: '20 minutes',
    });
    const ids: string[] = [];
    for await (const execution of run.client.workflow.list()) ids.push(execution.workflowId);
    const histories = ids.map((id) => ({ workflowId: id, text: showHistory(run.server.address, id) }));
    await recordHistories(run.server.address, 'testbed', [workflowId, ...result.scenarios.map((s) => s.workflowId)]);
    return { workflowId, result, histories, fakeLinodeToken };
  } finally {
    await run.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
