/**
 * Operating a run on the test bed with the real activities (embedded dev server + the production worker):
 * - cancelling during the sampling window still resets — zero labelled objects of the run remain — and a
 *   partial report is written from what was sampled;
 * - a step that fails for a real reason (the node map file is gone) waits for an operator; once the file is
 *   back, the `operatorDecision` signal retries it and the run completes;
 * - in another run the same failure is skipped with the CLI's `hardenlab skip <id>`;
 * and reset runs in every case.
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ExperimentInput } from '../../src/config/experiment';
import { TASK_QUEUE } from '../../src/config/workerConfig';
import { cancelCommand, decideCommand } from '../../src/cli/commands/operatorCommand';
import { formatProgress, readProgress } from '../../src/cli/commands/progressCommand';
import { withClient } from '../../src/cli/commands/shared';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { runIdFor, scenarioKey, scenarioWorkflowId } from '../../src/domain/naming';
import { experimentRunKey } from '../../src/store/runFolder';
import type { ExperimentResult, ScenarioProgress } from '../../src/domain/progress';
import { operatorDecisionSignal, scenarioProgressQuery } from '../../workflows/definitions';
import { startHardenlabStack, type HardenlabStack } from '../support/hardenlabStack';
import { deleteRunObjects, describeLeftover, listRunObjects } from '../support/leftovers';

const labelledObjects = async (kubeconfigPath: string, runId: string) =>
  (await listRunObjects(kubeconfigPath, runId)).map(describeLeftover);
import { ensureTestbed, type Testbed } from '../support/testbed';

const RUN_MS = 5 * 60_000;

/** One scenario, a 20 s window sampled every 2 s: short, but every real step runs. */
function input(extra: ExperimentInput = {}): ExperimentInput {
  return {
    scenarios: ['baseline'],
    window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 },
    workload: { loadBalancerWaitSeconds: 5 },
    operatorTimeoutSeconds: 600,
    ...extra,
  };
}

describe('operating runs on the test bed', () => {
  let testbed: Testbed;
  let stack: HardenlabStack | undefined;
  const runLabels: string[] = [];
  const savedEnv = { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, HARDENLAB_CONFIG: process.env.HARDENLAB_CONFIG };

  beforeAll(async () => {
    testbed = await ensureTestbed();
    // A node map of this file's own (the test bed's is shared), picked by name: see 'a step that keeps failing'.
    stack = await startHardenlabStack(testbed, 'operating', (home) => ({
      'own-node-map': { cluster: { provider: 'local', kubeconfigPath: testbed.kubeconfigPath }, nodeMapPath: join(home, 'nodes.yaml') },
    }));
    // The CLI's commands find the server the way an operator's shell does.
    process.env.TEMPORAL_ADDRESS = stack.server.address;
    process.env.HARDENLAB_CONFIG = stack.env.HARDENLAB_CONFIG;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    // Whatever a failed assertion left behind goes, so the shared test bed stays clean for others.
    for (const label of runLabels) await deleteRunObjects(testbed.kubeconfigPath, label).catch(() => undefined);
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }, 330_000);

  function start(workflowId: string, args: ExperimentInput): WorkflowHandle {
    runLabels.push(runIdFor(scenarioWorkflowId(workflowId, 'baseline', 1)));
    void stack!.client.workflow.start('securityExperiment', { taskQueue: TASK_QUEUE, workflowId, args: [args] });
    return stack!.client.workflow.getHandle(workflowId);
  }

  /** The experiment's folder: its id's and its run's (the latest run of the id). */
  async function experimentDir(workflowId: string): Promise<string> {
    const { runId } = await stack!.client.workflow.getHandle(workflowId).describe();
    return join(stack!.home, experimentRunKey(workflowId, runId));
  }

  async function scenarioRecord(workflowId: string): Promise<ScenarioRecord> {
    const key = scenarioKey(await experimentDir(workflowId), 'baseline', 1);
    return JSON.parse(await readFile(join(key, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
  }

  it(
    'cancelled during the sampling window: reset leaves zero labelled objects and a partial report is written',
    async () => {
      const workflowId = `op-cancel-${Date.now()}`;
      const handle = start(workflowId, input());
      const childId = scenarioWorkflowId(workflowId, 'baseline', 1);
      const runLabel = runIdFor(childId);

      const inWindow = await waitForProgress(childId, (p) => p.step === 'sampling-window' && (p.window?.elapsedSeconds ?? 0) >= 6, 180_000);
      expect(inWindow.window!.remainingSeconds).toBeGreaterThan(0);
      // The check below can fail: right now the run's objects are there.
      const during = await labelledObjects(testbed.kubeconfigPath, runLabel);
      expect(during).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Namespace hl-base-r1-/), expect.stringMatching(/^Deployment /)]),
      );

      await cancelCommand(workflowId); // `hardenlab cancel <id>`, the same request as the UI's "Request Cancellation"
      const error = await withTimeout(handle.result(), RUN_MS, 'the cancelled run to close').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

      expect(await labelledObjects(testbed.kubeconfigPath, runLabel)).toEqual([]);
      const record = await scenarioRecord(workflowId);
      expect(record.status).toBe('cancelled');
      expect(record.steps.find((s) => s.step === 'reset')).toEqual(expect.objectContaining({ status: 'ok' }));
      expect(record.reset!.leftovers).toEqual([]);
      expect(record.reset!.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'Service']));

      // The partial report, from the samples taken before the cancellation.
      const reportDir = join(await experimentDir(workflowId), 'report');
      expect(existsSync(join(reportDir, 'report.html'))).toBe(true);
      expect(await readFile(join(reportDir, 'report.html'), 'utf8')).toContain('partial report');
      const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as { partial: boolean };
      expect(summary.partial).toBe(true);
      expect(record.collect?.nodes.length).toBe(testbed.nodeNames.length);
    },
    RUN_MS + 240_000,
  );

  describe('a step that keeps failing', () => {
    let nodeMap: string;
    const hide = () => rename(nodeMap, `${nodeMap}.away`);
    const restore = () => rename(`${nodeMap}.away`, nodeMap);

    beforeAll(async () => {
      // A node map of this test's own (the test bed's is shared): making it disappear is a real fault of
      // the start-sampling step (its activity cannot read the file), and putting it back is a real fix.
      nodeMap = join(stack!.home, 'nodes.yaml');
      await copyFile(testbed.nodeMapPath, nodeMap);
    });

    it(
      'waits for an operator, shows it in `hardenlab status`, and is retried successfully by the operatorDecision signal',
      async () => {
        const workflowId = `op-retry-${Date.now()}`;
        await hide();
        const handle = start(workflowId, input({ environment: 'own-node-map' }));
        const childId = scenarioWorkflowId(workflowId, 'baseline', 1);

        const waiting = await waitForProgress(childId, (p) => p.waitingForOperator !== undefined, 180_000);
        expect(waiting.waitingForOperator).toEqual(expect.objectContaining({ step: 'start-sampling', attempt: 1 }));
        expect(waiting.waitingForOperator!.error).toContain(nodeMap);
        const status = formatProgress(await withClient((client) => readProgress(client, workflowId)));
        expect(status).toContain('WAITING FOR OPERATOR: start-sampling failed');
        expect(status).toContain(`hardenlab retry|skip|abort ${workflowId}`);

        await restore();
        await stack!.client.workflow.getHandle(childId).signal(operatorDecisionSignal, { action: 'retry', by: 'operating test' });
        const result = (await withTimeout(handle.result(), RUN_MS, 'the retried run to complete')) as ExperimentResult;

        expect(result.scenarios.map((s) => s.status)).toEqual(['completed']);
        const record = (await stack!.client.workflow.getHandle(childId).result()) as ScenarioRecord;
        expect(record.steps.find((s) => s.step === 'start-sampling')).toEqual(expect.objectContaining({ status: 'ok', attempts: 2 }));
        const progress = await stack!.client.workflow.getHandle(childId).query(scenarioProgressQuery);
        expect(progress.decisions).toEqual([expect.objectContaining({ action: 'retry', step: 'start-sampling', by: 'operating test' })]);
        expect(record.collect?.nodes.length).toBe(testbed.nodeNames.length);
        expect(record.steps.find((s) => s.step === 'reset')).toEqual(expect.objectContaining({ status: 'ok' }));
        expect(await labelledObjects(testbed.kubeconfigPath, runIdFor(childId))).toEqual([]);
        expect(result.htmlPath && existsSync(result.htmlPath)).toBe(true);
      },
      RUN_MS + 240_000,
    );

    it(
      'in another run, is skipped with `hardenlab skip <id>`, recorded, and the run completes with reset',
      async () => {
        const workflowId = `op-skip-${Date.now()}`;
        await hide();
        const handle = start(workflowId, input({ environment: 'own-node-map' }));
        const childId = scenarioWorkflowId(workflowId, 'baseline', 1);
        await waitForProgress(childId, (p) => p.waitingForOperator?.step === 'start-sampling', 180_000);

        // `hardenlab skip <experiment id>` finds the waiting scenario itself.
        await decideCommand(workflowId, { action: 'skip', reason: 'node map being repaired' });
        // Later steps (boot time) read the node map again: the operator has repaired it meanwhile.
        await restore();
        const result = (await withTimeout(handle.result(), RUN_MS, 'the run with a skipped step to complete')) as ExperimentResult;

        // Sampling was skipped, so the run completed without samples (and the report says so).
        expect(result.scenarios.map((s) => s.status)).toEqual(['completed-without-samples']);
        const record = await scenarioRecord(workflowId);
        expect(record.steps.find((s) => s.step === 'start-sampling')).toEqual(expect.objectContaining({ status: 'skipped', attempts: 1 }));
        expect(record.steps.some((s) => s.step === 'collect')).toBe(false); // nothing was sampled
        const progress = await stack!.client.workflow.getHandle(childId).query(scenarioProgressQuery);
        expect(progress.decisions).toEqual([
          expect.objectContaining({ action: 'skip', step: 'start-sampling', by: 'hardenlab cli', reason: 'node map being repaired' }),
        ]);
        expect(record.steps.find((s) => s.step === 'reset')).toEqual(expect.objectContaining({ status: 'ok' }));
        expect(await labelledObjects(testbed.kubeconfigPath, runIdFor(childId))).toEqual([]);
        // The report is still written (without samples for this scenario).
        expect(result.reportError).toBeUndefined();
        expect(result.htmlPath && existsSync(result.htmlPath)).toBe(true);
      },
      RUN_MS + 240_000,
    );
  });

  async function waitForProgress(childId: string, done: (p: ScenarioProgress) => boolean, timeoutMs: number): Promise<ScenarioProgress> {
    const deadline = Date.now() + timeoutMs;
    let last: ScenarioProgress | undefined;
    while (Date.now() < deadline) {
      last = await stack!.client.workflow
        .getHandle(childId)
        .query(scenarioProgressQuery)
        .catch(() => undefined);
      if (last && done(last)) return last;
      if (last && last.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`scenario ${childId} did not reach the expected state in ${timeoutMs} ms; last progress: ${JSON.stringify(last)}`);
  }
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
