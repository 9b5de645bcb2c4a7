/**
 * Runs never share an artifact folder or a report: on the real Temporal dev server with a real worker, ids that
 * read alike (`a b`, `a/b`, `a_b`), the id `..`, and an id reused after its first run closed (Temporal allows it)
 * each get a folder of their own under the data folder's `experiments/`, and each report lists only its own
 * plan's runs. The resolve, record and report steps are the real activities writing a real data folder; what
 * needs a cluster or SSH is a double (test/workflows/doubles.ts), as in the team test: no test bed is needed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createRecordActivities } from '../../activities/records';
import { createReportActivities, reportInput } from '../../activities/report';
import type { ExperimentInput } from '../../src/config/experiment';
import type { ExperimentResult } from '../../src/domain/progress';
import { ArtifactStore } from '../../src/store/artifactStore';
import { experimentRunKey, RUN_MARKER_FILE } from '../../src/store/runFolder';
import { createHardenlabWorker } from '../../worker/createWorker';
import { securityExperiment } from '../../workflows';
import { createLocalEnv } from '../support/temporal';
import { tempDir } from '../support/tempDir';
import { sharedWorkflowBundle } from '../support/workflowBundle';
import { createActivityDoubles } from '../workflows/doubles';

jest.setTimeout(240_000);

const TASK_QUEUE = 'hardenlab-artifacts';
/** A short window on the real server's clock: every scenario waits it out for real. */
const input = (scenarios: string[]): ExperimentInput => ({
  scenarios,
  window: { durationSeconds: 2, intervalSeconds: 1, healthCheckSeconds: 1 },
});

let env: TestWorkflowEnvironment | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let home: string;

beforeAll(async () => {
  home = await tempDir('hardenlab-it-artifacts-');
  env = await createLocalEnv();
  const store = new ArtifactStore(home);
  const report = createReportActivities({ artifactsRoot: home });
  const { activities } = createActivityDoubles({
    env: { HARDENLAB_HOME: home },
    searchAttributes: false,
    results: { ...createRecordActivities({ store }), buildReport: (req) => report.buildReport(reportInput(req)) },
  });
  const workflowBundle = await sharedWorkflowBundle();
  const connection = env.nativeConnection;
  worker = await createHardenlabWorker({ connection, namespace: 'default', taskQueue: TASK_QUEUE, activities, workflowBundle });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
});

interface Finished {
  workflowId: string;
  runId: string;
  result: ExperimentResult;
  /** The report's runs, from its summary.json: `<scenario>/<repetition>`. */
  reported: string[];
}

async function start(workflowId: string, scenarios: string[]): Promise<WorkflowHandleWithFirstExecutionRunId<typeof securityExperiment>> {
  return env!.client.workflow.start(securityExperiment, { taskQueue: TASK_QUEUE, workflowId, args: [input(scenarios)] });
}

interface Summary {
  scenarios: { scenario: string; runs: { scenario: string; repetition: number }[] }[];
}

const readSummary = async (reportDir: string) => JSON.parse(await fs.readFile(path.join(reportDir, 'summary.json'), 'utf8')) as Summary;

async function finish(handle: WorkflowHandleWithFirstExecutionRunId<typeof securityExperiment>): Promise<Finished> {
  const result = await handle.result();
  const summary = await readSummary(result.reportDir!);
  const reported = summary.scenarios.flatMap((s) => s.runs.map((r) => `${r.scenario}/${r.repetition}`)).sort();
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, result, reported };
}

test('ids that read alike, `..` and a reused id keep separate folders and separate reports', async () => {
  // Four ids at once that one folder name would have merged (or, for `..`, that named the whole data folder).
  const first = await Promise.all([
    start('a b', ['baseline', 'best-practices']),
    start('a/b', ['security-tools']),
    start('a_b', ['best-practices']),
    start('..', ['baseline']),
  ]).then((handles) => Promise.all(handles.map(finish)));
  // The first id again, once its run closed: a new run, a new plan.
  const reused = await finish(await start('a b', ['security-tools']));
  const runs = [...first, reused];

  expect(runs.map((r) => [r.workflowId, r.result.partial, r.reported])).toEqual([
    ['a b', false, ['baseline/1', 'best-practices/1']],
    ['a/b', false, ['security-tools/1']],
    ['a_b', false, ['best-practices/1']],
    ['..', false, ['baseline/1']],
    ['a b', false, ['security-tools/1']],
  ]);
  expect(reused.runId).not.toBe(first[0]!.runId);

  const experiments = path.join(home, 'experiments');
  for (const run of runs) {
    const folder = path.join(home, experimentRunKey(run.workflowId, run.runId));
    expect(path.dirname(path.dirname(folder))).toBe(experiments);
    expect(run.result.reportDir).toBe(path.join(folder, 'report'));
    expect(run.result.scenarios.every((s) => path.join(home, s.artifactKey).startsWith(`${folder}${path.sep}`))).toBe(true);
    const marker = JSON.parse(await fs.readFile(path.join(folder, RUN_MARKER_FILE), 'utf8')) as unknown;
    expect(marker).toEqual({ workflowId: run.workflowId, runId: run.runId });
  }
  expect(new Set(runs.map((r) => r.result.reportDir)).size).toBe(runs.length);
  // One folder per id, the reused id's two runs side by side in it; nothing else in the data folder's experiments.
  const idFolders = await fs.readdir(experiments);
  expect(idFolders).toHaveLength(4);
  const runFolders = await Promise.all(idFolders.map((id) => fs.readdir(path.join(experiments, id))));
  expect(runFolders.map((f) => f.length).sort()).toEqual([1, 1, 1, 2]);
  // The first `a b` run's data is as it left it: its report still lists its own two runs.
  const firstSummary = await readSummary(first[0]!.result.reportDir!);
  expect(firstSummary.scenarios.map((s) => s.scenario)).toEqual(['baseline', 'best-practices']);
  expect(await fs.readdir(path.dirname(first[0]!.result.reportDir!))).toEqual(expect.arrayContaining(['baseline', 'best-practices']));
  expect(await fs.readdir(path.dirname(first[0]!.result.reportDir!))).not.toContain('security-tools');
});
