/**
 * The load phase end to end on the KWOK test bed (issue 27): a worker whose config opts in (experimental.loadPhase)
 * runs baseline and best-practices with pod churn at 60 pods a minute for 30 s inside each window, with the
 * production activities (trust guard included) on a real dev server. Each scenario keeps the rate, its report
 * input and report carry the churn's latencies and Pod Security's admissions, and reset leaves no churn pod.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LoadRunData } from '../../src/analysis/model/runData';
import { hardenlabHome } from '../../src/config/paths';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { ExperimentResult } from '../../src/domain/progress';
import { loadKubeClient } from '../../src/kube/client';
import { churnSelector } from '../../src/load/churnPods';
import { tempDir } from '../support/tempDir';
import { ensureTestbed } from '../support/testbed';
import { TESTBED_ENVIRONMENT, workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun } from '../support/workerRun';

jest.setTimeout(20 * 60_000);

const INPUT = {
  scenarios: ['baseline', 'best-practices'],
  window: { durationSeconds: 40, intervalSeconds: 5, healthCheckSeconds: 20 },
  workload: { loadBalancerWaitSeconds: 5 },
  bootTime: { measure: false },
  load: { churn: { podsPerMinute: 60, podsAlive: 5, period: { startSeconds: 5, durationSeconds: 30 } } },
};

let result: ExperimentResult;
let dir: string;

beforeAll(async () => {
  await ensureTestbed();
  dir = await tempDir('hardenlab-load-run-');
  const env = await workerConfigEnv(dir, { experiment: TESTBED_ENVIRONMENT, experimental: { loadPhase: true } });
  const suffix = Date.now().toString(36);
  const run = await startWorkerRun({ dir, taskQueue: `load-run-${suffix}`, env });
  try {
    result = await run.client.workflow.execute('securityExperiment', {
      taskQueue: run.temporal.taskQueue,
      workflowId: `load-run-${suffix}`,
      args: [INPUT],
      workflowExecutionTimeout: '15 minutes',
    });
  } finally {
    await run.stop();
  }
});

const readJson = async <T>(artifactKey: string, name: string) =>
  JSON.parse(await fs.readFile(path.join(hardenlabHome(), artifactKey, name), 'utf8')) as T;

test('each scenario churns within 5 % of the rate, its report has the latencies and admissions; reset leaves no churn pod', async () => {
  // In the seeded random order of the plan.
  expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? '']).sort()).toEqual([
    ['baseline', 'completed', ''],
    ['best-practices', 'completed', ''],
  ]);
  const admin = await loadKubeClient({ kubeconfigPath: (await ensureTestbed()).kubeconfigPath });
  for (const summary of result.scenarios) {
    const record = await readJson<ScenarioRecord>(summary.artifactKey, 'scenario-record.json');
    const load = record.load!;
    expect([summary.scenario, load.error, load.notRun]).toEqual([summary.scenario, undefined, []]);
    expect(Math.abs(load.churn!.achievedPerMinute - 60) / 60).toBeLessThanOrEqual(0.05);
    expect(load.churn).toMatchObject({ due: 30, created: 30, createFailed: 0, deleteFailed: 0, missed: 0 });
    const data = (await readJson<{ load: LoadRunData }>(summary.artifactKey, 'scenario-data.json')).load;
    expect(data.createMs!.n).toBe(30);
    expect(data.readyMs!.n).toBeGreaterThanOrEqual(27);
    expect(data.podSecurity!.admissions).toBeGreaterThanOrEqual(30);
    // Every admission controller's cost over the window, Pod Security's among them, and each startup phase.
    const podSecurity = data.admission!.controllers.find((c) => c.name === 'PodSecurity')!;
    expect(podSecurity.count).toBe(data.podSecurity!.admissions);
    expect(podSecurity.meanMs!).toBeGreaterThan(0);
    expect(data.startupMs!.scheduled!.n).toBeGreaterThanOrEqual(27);
    expect(record.reset!.leftovers).toEqual([]);
    const left = await admin.list('v1', 'Pod', { namespace: record.namespace, labelSelector: churnSelector(record.runId) });
    expect(left.items).toEqual([]);
  }
  const markdown = await fs.readFile(path.join(result.reportDir!, 'report.md'), 'utf8');
  expect(markdown).toContain('Load phase');
  // The asked rate in brackets.
  expect(markdown).toMatch(/\| best-practices \| #1 \| \d+\.\d \(60\) \|/);
  // Over repetitions (one here: no CI, said so), per controller, and what the run could have detected.
  expect(markdown).toMatch(/\| best-practices \| pod create p99 \| 1 \| \d+\.\d \| — \| -?\d+\.\d \| — \|/);
  expect(markdown).toMatch(/\| best-practices \| controller \| PodSecurity \| [1-9]\d* \| 1 \| \d+\.\d{3} \|/);
  const oneRepetition = String.raw`\| — \| — \| — \(needs at least 2 repetitions of each scenario\) \|`;
  expect(markdown).toMatch(new RegExp(String.raw`\| best-practices \| pod create p99 \| 1 \(1\) ${oneRepetition}`));
});
