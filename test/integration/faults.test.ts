/**
 * Fault injection on the real components (issue 9): a baseline scenario with a short window runs on the
 * test bed while the worker is SIGKILLed, the Temporal dev server is killed and restarted on its database
 * file, the kube-apiserver is stopped and started, a node's sshd is stopped and started, and a node's
 * sampler is killed. Each run must complete with no sample lost beyond a recorded gap and nothing labelled
 * with the run left on the cluster. Figures go to stdout and `.hardenlab/reliability.json`.
 */
import {
  Client,
  Connection,
  NamespaceNotFoundError,
  WorkflowFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hardenlabHome } from '../../src/config/paths';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { runIdFor, scenarioKey, scenarioWorkflowId } from '../../src/domain/naming';
import { experimentRunKey } from '../../src/store/runFolder';
import type { ExperimentResult } from '../../src/domain/progress';
import type { NodeSeries } from '../../src/domain/samples';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/devServer';
import { securityExperiment } from '../../workflows';
import { scenarioProgressQuery } from '../../workflows/definitions';
import type { TestbedUpResult } from '../../src/testbed';
import {
  activityAttempts,
  activityPending,
  bounded,
  poll,
  recordFigure,
  samplerPid,
  startWorkerProcess,
  waitActivityStarted,
  type ActivityAttempts,
  type WorkerProcess,
} from '../support/faults';
import { FaultsBed } from '../support/faultsBed';
import { describeLeftover, listRunObjects } from '../support/leftovers';
import { workerConfigEnv } from '../support/workerConfig';
import { temporalCliPath } from '../../src/temporal/binaries';

jest.setTimeout(6 * 60_000);

const TASK_QUEUE = 'it-faults';
const INTERVAL = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The faults' own test bed (FAULTS_INSTANCE in test/support/faultsBed.ts), so the shared one's files run beside these. */
let bed: FaultsBed;
let testbed: TestbedUpResult;
let dir: string;
let server: DevServer;
let serverOptions: Parameters<typeof startDevServer>[0];
let client: Client;
let worker: WorkerProcess | undefined;
/** The test bed is the worker's environment (its config file); the input carries design only. */
let workerEnv: NodeJS.ProcessEnv;

async function ensureWorker(): Promise<WorkerProcess> {
  if (!worker?.alive())
    worker = await startWorkerProcess({
      address: server.address,
      taskQueue: TASK_QUEUE,
      logFile: path.join(dir, 'worker.log'),
      env: workerEnv,
    });
  return worker;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-faults-'));
  bed = new FaultsBed(path.join(dir, 'bed'));
  testbed = await bed.up();
  // The worker's environment: this test bed's kubeconfig and node map.
  workerEnv = await workerConfigEnv(dir, {
    experiment: { cluster: { provider: 'kubeconfig', kubeconfigPath: testbed.kubeconfigPath }, nodeMapPath: testbed.nodeMapPath },
  });
  // Fixed ports and a database file, so the dev server can be restarted where the worker and client expect it.
  serverOptions = {
    temporalCli: temporalCliPath(process.env),
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
  };
  server = await startDevServer(serverOptions);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  await ensureWorker();
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await server?.stop();
  await bed?.down();
  if (dir && !process.env.HARDENLAB_KEEP_TEST_HOME) await fs.rm(dir, { recursive: true, force: true });
});

interface FaultRun {
  fault: string;
  windowSeconds: number;
  experiment: WorkflowHandleWithFirstExecutionRunId<typeof securityExperiment>;
  scenario: WorkflowHandle;
  runId: string;
  began: number;
}

/**
 * The dev server's services learn its namespace each on their own schedule: a start right after it came up was
 * refused with "Namespace not found: 'default'" in 2 of some 40 fresh-clone runs, though a namespace-scoped probe
 * had passed (startDevServer). Such a start created nothing, so it is tried again, for up to 30 s.
 */
async function startWhenNamespaceKnown<T>(start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof NamespaceNotFoundError) || Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

async function startRun(fault: string, windowSeconds: number): Promise<FaultRun> {
  const workflowId = `it-fault-${fault}-${Date.now()}`;
  const input = {
    scenarios: ['baseline' as const],
    window: { durationSeconds: windowSeconds, intervalSeconds: INTERVAL, healthCheckSeconds: 5 },
    workload: { loadBalancerWaitSeconds: 5 },
  };
  const experiment = await startWhenNamespaceKnown(() =>
    client.workflow.start(securityExperiment, { taskQueue: TASK_QUEUE, workflowId, args: [input] }),
  );
  const scenarioId = scenarioWorkflowId(workflowId, 'baseline', 1);
  return {
    fault,
    windowSeconds,
    experiment,
    scenario: client.workflow.getHandle(scenarioId),
    runId: runIdFor(scenarioId),
    began: Date.now(),
  };
}

/** Waits until the scenario is in its sampling window with the sampler started. */
async function waitInWindow(run: FaultRun): Promise<{ endsAt: number }> {
  return poll(
    `${run.fault}: the sampling window`,
    async () => {
      const progress = await run.scenario.query(scenarioProgressQuery);
      return progress.step === 'sampling-window' && progress.window ? { endsAt: progress.window.endsAt } : undefined;
    },
    120_000,
    250,
  );
}

/** The experiment's result; connection errors while the Temporal server restarts are waited out. */
async function awaitResult(run: FaultRun, timeoutMs: number): Promise<ExperimentResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await bounded(run.experiment.result(), Math.max(1_000, deadline - Date.now()), `${run.fault}: the experiment`);
    } catch (error) {
      if (error instanceof WorkflowFailedError || Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

interface Outcome {
  record: ScenarioRecord;
  series: NodeSeries[];
  attempts: Record<string, ActivityAttempts>;
}

const experimentDir = (run: FaultRun) =>
  path.join(hardenlabHome(), experimentRunKey(run.experiment.workflowId, run.experiment.firstExecutionRunId));
const scenarioDir = (run: FaultRun) => scenarioKey(experimentDir(run), 'baseline', 1);

/** What the scenario left in the artifact store: its record, every node's series, and the attempts of each activity. */
async function readOutcome(run: FaultRun): Promise<Outcome> {
  const base = scenarioDir(run);
  const record = JSON.parse(await fs.readFile(path.join(base, 'scenario-record.json'), 'utf8')) as ScenarioRecord;
  const series = await Promise.all(
    testbed.nodeNames.map(
      async (node) => JSON.parse(await fs.readFile(path.join(base, 'nodes', node, 'series.json'), 'utf8')) as NodeSeries,
    ),
  );
  return { record, series, attempts: await activityAttempts(run.scenario) };
}

/** A run that must complete despite its fault: its result says so, and its outcome is read. */
async function completedOutcome(run: FaultRun, result: ExperimentResult): Promise<Outcome> {
  expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? '', s.artifactKey])).toEqual([
    ['baseline', 'completed', '', path.relative(hardenlabHome(), scenarioDir(run))],
  ]);
  const outcome = await readOutcome(run);
  expect(outcome.record.status).toBe('completed');
  return outcome;
}

/**
 * The checks every fault shares: the run completed, every node has its samples (at 2 s over the window:
 * floor(W/2) − 1, less what a recorded gap explains), none twice, nothing labelled with the run on the
 * cluster. Records and returns the figure.
 */
async function verifyAndRecord(run: FaultRun, outcome: Outcome, notes?: string, sampledSeconds = run.windowSeconds) {
  const { record, series, attempts } = outcome;
  expect(record.collect?.nodes.map((n) => n.node).sort()).toEqual([...testbed.nodeNames].sort());
  expect(record.reset?.leftovers).toEqual([]);

  const expectedPerNode = Math.floor(sampledSeconds / INTERVAL) - 1;
  let samples = 0;
  let explainedByGaps = 0;
  let lost = 0;
  let gapSeconds = 0;
  const gaps = record.sampling?.gaps ?? [];
  for (const node of series) {
    const times = node.cpu.map((s) => s.time);
    expect(new Set(times).size).toBe(times.length); // no sample twice, even after retried collection
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(record.collect!.nodes.find((n) => n.node === node.node)?.cpuSamples).toBe(times.length);
    const nodeGapSeconds = gaps.filter((g) => g.node === node.node).reduce((sum, g) => sum + (g.end - g.start) / 1000, 0);
    gapSeconds += nodeGapSeconds;
    // A gap of g seconds explains ceil(g / interval) missing samples, plus the restarted sampler's first interval.
    const explained = nodeGapSeconds > 0 ? Math.ceil(nodeGapSeconds / INTERVAL) + 1 : 0;
    samples += times.length;
    explainedByGaps += explained;
    lost += Math.max(0, expectedPerNode - times.length - explained);
  }
  const leftovers = await listRunObjects(testbed.kubeconfigPath, run.runId);
  const retries = Object.values(attempts).reduce((sum, a) => sum + a.attempts, 0) - Object.keys(attempts).length;
  const figure = {
    fault: run.fault,
    completed: record.status === 'completed',
    status: record.status,
    samples,
    expectedSamples: expectedPerNode * series.length,
    samplesLost: lost,
    gaps: gaps.length,
    gapSeconds: Math.round(gapSeconds * 10) / 10,
    leftovers: leftovers.length,
    retries,
    durationSeconds: Math.round((Date.now() - run.began) / 1000),
    ...(notes ? { notes } : {}),
  };
  recordFigure(figure);
  expect(leftovers.map(describeLeftover)).toEqual([]);
  expect(lost).toBe(0);
  // docs/measurements.md's "samples (expected at least)": all of them, less only what a reported gap explains.
  expect(samples).toBeGreaterThanOrEqual(figure.expectedSamples - explainedByGaps);
  return figure;
}

/**
 * The cleanup guarantee on the failure path: when a test fails half-way, its run is cancelled (the
 * scenario's reset runs in its non-cancellable finally) and the cluster must hold nothing of the run.
 */
async function cleanupGuarantee(run: FaultRun | undefined): Promise<void> {
  if (!run) return;
  const running = async () =>
    (await run.scenario.describe().catch(() => undefined))?.status.name === 'RUNNING' ||
    (await run.experiment.describe()).status.name === 'RUNNING';
  if (await running().catch(() => false)) {
    process.stderr.write(`[faults] ${run.fault}: cancelling the unfinished run, then checking the cluster\n`);
    await ensureWorker();
    await run.experiment.cancel().catch(() => undefined);
    await poll(`${run.fault}: the cancelled run to close`, async () => ((await running()) ? undefined : true), 240_000, 1_000);
  }
  const leftovers = await listRunObjects(testbed.kubeconfigPath, run.runId);
  expect(leftovers.map(describeLeftover)).toEqual([]);
}

/** Runs a fault test; on any failure, applies the cleanup guarantee check before reporting the failure. */
async function withRun(fault: string, windowSeconds: number, body: (run: FaultRun) => Promise<void>): Promise<void> {
  let run: FaultRun | undefined;
  try {
    run = await startRun(fault, windowSeconds);
    await body(run);
  } catch (error) {
    await cleanupGuarantee(run).catch((cleanupError: unknown) => {
      throw new Error(`${(error as Error).message}\n\nand the cleanup guarantee failed too: ${(cleanupError as Error).message}`);
    });
    throw error;
  }
}

test('worker SIGKILLed during the sampling window and again during collection: the run completes, no sample missing', async () => {
  await withRun('worker SIGKILL in window and in collection', 24, async (run) => {
    await waitInWindow(run);
    await sleep(3_000);
    await worker!.kill();
    // Dead across a health check; sadc on the nodes keeps sampling meanwhile.
    await sleep(5_000);
    await ensureWorker();

    await waitActivityStarted(run.scenario, 'collectSamples', 120_000);
    await worker!.kill();
    expect(await activityPending(run.scenario, 'collectSamples')).toBe(true);
    await ensureWorker();
    // The abandoned attempt is noticed at the production heartbeat timeout (2 min), then retried.
    const outcome = await completedOutcome(run, await awaitResult(run, 5 * 60_000));
    expect(outcome.attempts.collectSamples?.attempts).toBeGreaterThanOrEqual(2);
    const figure = await verifyAndRecord(run, outcome, 'collectSamples retried after its 2 min heartbeat timeout');
    expect(figure.gaps).toBe(0);
  });
});

test('Temporal dev server killed and restarted on its database file mid-window: the run continues and completes', async () => {
  await withRun('Temporal dev server SIGKILL and restart', 20, async (run) => {
    await waitInWindow(run);
    await sleep(3_000);
    await server.stop('SIGKILL');
    try {
      await sleep(5_000);
    } finally {
      server = await startDevServer(serverOptions);
    }
    const outcome = await completedOutcome(run, await awaitResult(run, 4 * 60_000));
    expect(worker!.alive()).toBe(true); // the same worker process reconnected
    const figure = await verifyAndRecord(run, outcome, 'same worker reconnected; history kept in the SQLite file');
    expect(figure.gaps).toBe(0);
  });
});

test('kube-apiserver stopped during deploy and during reset, then started: the steps retry and converge', async () => {
  const controlPlane = bed.snapshotControlPlane();
  const restarted: string[] = [];
  try {
    await withRun('kube-apiserver stopped in deploy and in reset', 10, async (run) => {
      for (const activity of ['deployWorkload', 'resetCluster']) {
        await waitActivityStarted(run.scenario, activity, 180_000);
        await bed.withLock(async () => {
          try {
            await bed.stopComponent('kube-apiserver');
            expect(await activityPending(run.scenario, activity)).toBe(true);
            await sleep(8_000);
          } finally {
            restarted.push(...(await bed.restoreControlPlane(controlPlane)));
          }
        });
      }

      const outcome = await completedOutcome(run, await awaitResult(run, 4 * 60_000));
      expect(outcome.record.deploy?.replicas).toBe(5);
      expect(outcome.record.reset?.removed.some((o) => o.kind === 'Namespace')).toBe(true);
      const { deployWorkload, resetCluster } = outcome.attempts;
      await verifyAndRecord(
        run,
        outcome,
        `deployWorkload attempts ${deployWorkload?.attempts}, resetCluster attempts ${resetCluster?.attempts}; restarted ${restarted.join(', ')}`,
      );
    });
  } finally {
    await bed.withLock(() => bed.restoreControlPlane(controlPlane));
    await bed.assertHealthy();
  }
});

test('sshd of a node stopped during collection, then started: collection retries, no sample twice', async () => {
  const node = testbed.nodeNames[1]!;
  try {
    await withRun('sshd stopped in collection', 20, async (run) => {
      await waitInWindow(run);
      // Collection begins with stopSampling, then collectSamples: stop sshd as soon as either runs.
      const hit = await poll(
        'collection to start',
        async () => {
          const { raw } = await run.scenario.describe();
          return (raw.pendingActivities ?? [])
            .map((a) => a.activityType?.name)
            .find((name) => name === 'stopSampling' || name === 'collectSamples');
        },
        120_000,
        50,
      );
      await bed.withLock(async () => {
        try {
          await bed.stopSshd(node);
          await sleep(8_000);
        } finally {
          await bed.startSshd(node);
        }
      });
      const outcome = await completedOutcome(run, await awaitResult(run, 4 * 60_000));
      const collectionAttempts = (outcome.attempts.stopSampling?.attempts ?? 0) + (outcome.attempts.collectSamples?.attempts ?? 0);
      expect(collectionAttempts).toBeGreaterThanOrEqual(3); // one activity of the two was retried
      const figure = await verifyAndRecord(
        run,
        outcome,
        `sshd of ${node} stopped while ${hit} ran; stopSampling+collectSamples attempts ${collectionAttempts}`,
      );
      expect(figure.gaps).toBe(0);
    });
  } finally {
    await bed.startSshd(node);
    await bed.assertHealthy();
  }
});

test("a node's sampler killed (as a reboot would): the health check restarts it and the report shows the gap", async () => {
  const node = testbed.nodeNames[2]!;
  await withRun('sampler killed on a node', 20, async (run) => {
    await waitInWindow(run);
    const pid = await poll(`the sampler of ${node}`, async () => samplerPid(run.runId, node), 30_000, 200);
    await sleep(4_000); // a few samples first
    process.kill(pid, 'SIGKILL');
    const result = await awaitResult(run, 4 * 60_000);
    const outcome = await completedOutcome(run, result);
    const gaps = outcome.record.sampling?.gaps ?? [];
    expect(gaps.map((g) => g.node)).toEqual([node]);
    expect(gaps[0]!.reason).toMatch(/killed|crashed|not running/);
    expect(gaps[0]!.end).toBeGreaterThan(gaps[0]!.start);

    const summary = JSON.parse(await fs.readFile(path.join(result.reportDir!, 'summary.json'), 'utf8')) as {
      scenarios: { runs: { nodes: { node: string; gaps: { count: number; seconds: number } }[]; gaps: { count: number } }[] }[];
    };
    const runSummary = summary.scenarios[0]!.runs[0]!;
    expect(runSummary.gaps.count).toBe(1);
    expect(runSummary.nodes.find((n) => n.node === node)?.gaps.count).toBe(1);
    expect(runSummary.nodes.find((n) => n.node === node)?.gaps.seconds).toBeGreaterThan(0);
    await verifyAndRecord(run, outcome, `sadc pid ${pid} on ${node} SIGKILLed; restarted by the health check; gap in summary.json`);
  });
});

test('run cancelled while the worker is dead: the restarted worker resets, nothing labelled with the run remains', async () => {
  await withRun('cancelled while the worker is dead', 60, async (run) => {
    await waitInWindow(run);
    await sleep(4_000);
    await worker!.kill();
    await run.experiment.cancel();
    const cancelledAt = Date.now();
    await sleep(3_000);
    await ensureWorker();
    const error = await awaitResult(run, 3 * 60_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((await run.scenario.describe()).status.name).toBe('CANCELLED');
    const outcome = await readOutcome(run);
    expect(outcome.record.status).toBe('cancelled');
    expect(outcome.record.reset?.removed.some((o) => o.kind === 'Namespace')).toBe(true);
    // Samples up to the cancellation are kept (collected in the scenario's finally) for a partial report.
    const reportDir = path.join(experimentDir(run), 'report');
    expect(JSON.parse(await fs.readFile(path.join(reportDir, 'summary.json'), 'utf8'))).toMatchObject({ partial: true });
    expect((await fs.stat(path.join(reportDir, 'report.html'))).size).toBeGreaterThan(0);
    const sampled = (cancelledAt - outcome.record.sampling!.startedAt) / 1000;
    await verifyAndRecord(
      run,
      outcome,
      `cancelled ${Math.round(sampled)} s into a 60 s window with no worker; reset ran on the new worker`,
      sampled,
    );
  });
});
