import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { experimentProgressQuery, operatorDecisionSignal, securityExperiment } from '../../workflows';
import { PATCHES } from '../../workflows/patches';
import { recordHistories } from '../support/histories';
import { tempDir } from '../support/tempDir';
import { patchMarkers, timeSkippingHarness } from './harness';
import { createActivityDoubles, permanent, transient, type Call, type FailurePlan } from './doubles';

jest.setTimeout(120_000);

const harness = timeSkippingHarness('wf-test');
const withWorker = harness.withWorker.bind(harness);

/** The test bed is the workers' configured environment (doubles.ts): the input carries design only. */
const local = {};
const stepsOf = (calls: Call[], scenario: string) => calls.filter((c) => c.scenario === scenario).map((c) => c.name);

test('the full three-scenario 24 h pipeline runs in order, with reset last, in seconds', async () => {
  const doubles = createActivityDoubles();
  const started = Date.now();
  const result = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-full', args: [local] }),
  );
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(result.partial).toBe(false);
  expect(result.scenarios.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
  expect(result.htmlPath).toMatch(/report\.html$/);

  const checks = Array(23).fill('checkSampling');
  // The attack battery runs after the window and boot time, before cleanup and reset.
  const tail = [
    ...checks,
    'stopSampling',
    'collectSamples',
    'measureBootTime',
    'runAttackBattery',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
  ];
  expect(stepsOf(doubles.calls, 'baseline')).toEqual(['provisionCluster', 'deployWorkload', 'startSampling', ...tail]);
  // The best-practices preset applies its packs (the same manifests the thesis's harden step applied).
  expect(stepsOf(doubles.calls, 'best-practices')).toEqual(['provisionCluster', 'deployWorkload', 'applyPacks', 'startSampling', ...tail]);
  expect(stepsOf(doubles.calls, 'security-tools')).toEqual([
    'provisionCluster',
    'deployWorkload',
    'startSampling',
    'runKubeBench',
    'runKubeHunter',
    'runTrivy',
    'runTrivy',
    ...tail,
  ]);
  // Shared isolation: one scenario after another, never overlapping.
  const scenarioOfCall = doubles.calls.filter((c) => c.scenario).map((c) => c.scenario);
  const switches = scenarioOfCall.filter((s, i) => i > 0 && s !== scenarioOfCall[i - 1]).length;
  expect(switches).toBe(2);
  expect(doubles.calls.at(-1)?.name).toBe('buildReport');
  // The report reads the plan's runs, not whatever the folder holds.
  expect(doubles.calls.at(-1)?.arg).toMatchObject({ plan: result.plan });
  await recordHistories(harness.env.address, 'full-pipeline', [
    'exp-full',
    'exp-full/baseline/1',
    'exp-full/best-practices/1',
    'exp-full/security-tools/1',
  ]);
});

test('the scenario order is a seeded shuffle per repetition, recorded in the result', async () => {
  const doubles = createActivityDoubles();
  const input = { ...local, repetitions: 3, seed: 42, window: { durationSeconds: 600, intervalSeconds: 60 } };
  const result = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-reps', args: [input] }),
  );
  expect(result.seed).toBe(42);
  expect(result.plan).toHaveLength(3);
  for (const rep of result.plan) expect([...rep.order].sort()).toEqual(['baseline', 'best-practices', 'security-tools']);
  expect(new Set(result.plan.map((p) => p.order.join()))).not.toEqual(new Set([result.plan[0]!.order.join()]));
  const started = doubles.calls.filter((c) => c.name === 'provisionCluster').map((c) => c.workflowId);
  expect(started).toEqual(result.plan.flatMap((p) => p.order.map((s) => `exp-reps/${s}/${p.repetition}`)));
});

test('per-scenario isolation runs the scenarios in parallel, each on its own cluster', async () => {
  const doubles = createActivityDoubles({ env: { HARDENLAB_HOME: await tempDir('hardenlab-wf-home-'), LINODE_TOKEN: 'x' } });
  const input = { environment: 'lke', isolation: 'per-scenario' as const, window: { durationSeconds: 3600, intervalSeconds: 60 } };
  const result = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-par', args: [input] }),
  );
  expect(result.scenarios.every((s) => s.status === 'completed')).toBe(true);
  const names = doubles.calls.map((c) => c.name);
  // Every scenario started sampling before any collected: their windows overlapped.
  const lastStart = names.lastIndexOf('startSampling');
  const firstCollect = names.indexOf('collectSamples');
  expect(names.filter((n) => n === 'startSampling')).toHaveLength(3);
  expect(lastStart).toBeLessThan(firstCollect);
  expect(names.filter((n) => n === 'teardownCluster')).toHaveLength(3);
  // Each scenario sampled, checked, collected and cleaned up the nodes of the cluster it created, none of the others'.
  const mapsOf = (scenario: string) =>
    new Set(
      doubles.calls
        .filter((c) => c.scenario === scenario && (c.arg as { nodeMapPath?: string }).nodeMapPath)
        .map((c) => (c.arg as { nodeMapPath: string }).nodeMapPath),
    );
  for (const scenario of ['baseline', 'best-practices', 'security-tools']) {
    const provisioned = doubles.calls
      .filter((c) => c.scenario === scenario && c.name === 'provisionCluster')
      .map((c) => (c.arg as { runId: string }).runId);
    expect(provisioned).toHaveLength(1);
    expect([...mapsOf(scenario)]).toEqual([`/tmp/clusters/lke-${provisioned[0]}/nodes.yaml`]);
  }
  expect(new Set(['baseline', 'best-practices', 'security-tools'].flatMap((s) => [...mapsOf(s)])).size).toBe(3);
});

test('invalid input fails at once as InvalidInput naming every bad field', async () => {
  const doubles = createActivityDoubles();
  const bad = {
    scenarios: ['baseline', 'chaos'],
    window: { durationSeconds: -5, intervalSeconds: 600 },
    repetitions: 'two',
    cluster: { provider: 'gke' },
  };
  const err = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow
      .execute(securityExperiment, { taskQueue, workflowId: 'exp-invalid', args: [bad as never] })
      .catch((e: unknown) => e),
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause.type).toBe('InvalidInput');
  for (const field of ['scenarios.1', 'window.durationSeconds', 'repetitions', 'cluster.provider']) expect(cause.message).toContain(field);
  expect(doubles.calls.map((c) => c.name)).toEqual(['resolveExperiment']);
});

test('a flaky step is retried automatically and the scenario completes', async () => {
  const fail: FailurePlan = { collectSamples: (_call, attempt) => (attempt < 3 ? transient('sshd went away') : undefined) };
  const doubles = createActivityDoubles({ fail });
  const input = { ...local, scenarios: ['baseline' as const], window: { durationSeconds: 600, intervalSeconds: 60 } };
  const result = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-flaky', args: [input] }),
  );
  expect(result.scenarios[0]!.status).toBe('completed');
  expect(doubles.calls.filter((c) => c.name === 'collectSamples')).toHaveLength(3);
});

test('a step failing for good waits for an operator, then aborts by timeout, and reset still runs', async () => {
  const doubles = createActivityDoubles({ fail: { deployWorkload: () => permanent('forbidden: deployments.apps') } });
  const input = { ...local, scenarios: ['baseline' as const], operatorTimeoutSeconds: 3600 };
  const result = await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-abort', args: [input] }),
  );
  expect(result.scenarios[0]!.status).toBe('aborted');
  expect(result.scenarios[0]!.error).toContain('forbidden');
  expect(result.partial).toBe(true);
  expect(stepsOf(doubles.calls, 'baseline')).toEqual(['provisionCluster', 'deployWorkload', 'resetCluster', 'recordScenario']);
  const record = doubles.calls.find((c) => c.name === 'recordScenario')!.arg as {
    status: string;
    steps: { step: string; status: string }[];
  };
  expect(record.status).toBe('aborted');
  expect(record.steps.find((s) => s.step === 'deploy')?.status).toBe('failed');
});

test('an operator retries a failed step by signal, and skips one in another run', async () => {
  let deployFailures = 1;
  const doubles = createActivityDoubles({
    fail: {
      deployWorkload: (call) =>
        call.workflowId.startsWith('exp-op-retry') && deployFailures-- > 0
          ? permanent('image pull secret missing', 'KubeInvalidManifest')
          : undefined,
      applyPacks: (call) => (call.workflowId.startsWith('exp-op-skip') ? permanent('RBAC denied', 'KubeForbidden') : undefined),
    },
  });
  const waitForOperator = async (workflowId: string) => {
    // The operator wait has the default timeout (a day): 600 queries a second apart stay far inside it.
    const progress = await harness.waitForProgress(workflowId, (p) => Boolean(p.waitingForOperator), { advanceMs: 1000, maxQueries: 600 });
    return { handle: harness.env.client.workflow.getHandle(workflowId), progress };
  };
  await withWorker(doubles, async (taskQueue) => {
    const retryRun = await harness.env.client.workflow.start(securityExperiment, {
      taskQueue,
      workflowId: 'exp-op-retry',
      args: [{ ...local, scenarios: ['baseline'], window: { durationSeconds: 600, intervalSeconds: 60 } }],
    });
    const waiting = await waitForOperator('exp-op-retry/baseline/1');
    expect(waiting.progress.waitingForOperator?.step).toBe('deploy');
    await waiting.handle.signal(operatorDecisionSignal, { action: 'retry', by: 'test' });
    const retried = await retryRun.result();
    expect(retried.scenarios[0]!.status).toBe('completed');

    const skipRun = await harness.env.client.workflow.start(securityExperiment, {
      taskQueue,
      workflowId: 'exp-op-skip',
      args: [{ ...local, scenarios: ['best-practices'], window: { durationSeconds: 600, intervalSeconds: 60 } }],
    });
    const skipWaiting = await waitForOperator('exp-op-skip/best-practices/1');
    expect(skipWaiting.progress.waitingForOperator?.step).toBe('harden');
    await skipWaiting.handle.signal(operatorDecisionSignal, { action: 'skip' });
    const skipped = await skipRun.result();
    expect(skipped.scenarios[0]!.status).toBe('completed');
    await recordHistories(harness.env.address, 'operator', ['exp-op-retry/baseline/1', 'exp-op-skip/best-practices/1']);
    const record = doubles.calls.filter((c) => c.name === 'recordScenario' && c.workflowId.startsWith('exp-op-skip')).at(-1)!.arg as {
      steps: { step: string; status: string }[];
    };
    expect(record.steps.find((s) => s.step === 'harden')?.status).toBe('skipped');
  });
  expect(
    stepsOf(
      doubles.calls.filter((c) => c.workflowId.startsWith('exp-op-retry')),
      'baseline',
    ).filter((n) => n === 'deployWorkload'),
  ).toHaveLength(2);
  for (const id of ['exp-op-retry', 'exp-op-skip']) {
    expect(doubles.calls.some((c) => c.workflowId.startsWith(id) && c.name === 'resetCluster')).toBe(true);
  }
});

test('cancelling the experiment mid-window stops sampling, resets, and writes a partial report', async () => {
  const doubles = createActivityDoubles();
  await withWorker(doubles, async (taskQueue) => {
    const handle = await harness.env.client.workflow.start(securityExperiment, {
      taskQueue,
      workflowId: 'exp-cancel',
      args: [{ ...local, scenarios: ['baseline'] }],
    });
    // Half-hour steps through a 24 h window: 40 queries end well before the window would.
    const p = await harness.waitForProgress(
      'exp-cancel/baseline/1',
      (q) => q.step === 'sampling-window' && (q.window?.elapsedSeconds ?? 0) > 3600,
      {
        advanceMs: 1800_000,
        maxQueries: 40,
      },
    );
    // A query sees the workflow's time of its last task: the figures say which time that was.
    expect(p.window!.remainingSeconds).toBe(Math.round((p.window!.endsAt - p.window!.asOf) / 1000));
    expect(p.window!.elapsedSeconds).toBe(Math.round((p.window!.asOf - p.window!.startedAt) / 1000));
    await handle.cancel();
    // Awaited with time locked (a plain client, not the time-skipping one): if time skipped meanwhile, the server
    // could fire the window's next timer during the cancelling task, refuse the task's CancelTimer for it ("invalid
    // history builder state for action") and never hand the run another task (temporalio/sdk-java#2606, #3088).
    const plain = new Client({ connection: harness.env.connection });
    const err = await plain.workflow
      .getHandle('exp-cancel')
      .result()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const progress = await handle.query(experimentProgressQuery);
    expect(progress.scenarios[0]!.status).toBe('cancelled');
    await recordHistories(harness.env.address, 'cancelled', ['exp-cancel', 'exp-cancel/baseline/1']);
  });
  const names = stepsOf(doubles.calls, 'baseline');
  expect(names.slice(-5)).toEqual(['stopSampling', 'collectSamples', 'cleanupNodes', 'resetCluster', 'recordScenario']);
  const report = doubles.calls.find((c) => c.name === 'buildReport');
  expect((report?.arg as { partial: boolean }).partial).toBe(true);
});

test('a 24 h scenario keeps its history small', async () => {
  const doubles = createActivityDoubles();
  await withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, {
      taskQueue,
      workflowId: 'exp-history',
      args: [{ ...local, scenarios: ['security-tools'] }],
    }),
  );
  const history = await harness.env.client.workflow.getHandle('exp-history/security-tools/1').fetchHistory();
  const events = history.events?.length ?? 0;
  console.log(`history of a 24 h security-tools scenario at hourly health checks: ${events} events`);
  expect(events).toBeLessThan(300);
  // A new run records every patch's marker and names its activities; older runs replay with sequence numbers.
  // The audits' patch is asked only when the input turns them on (test/workflows/scenarios.test.ts); the
  // report's plan is the experiment's.
  const ids = history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityId).filter(Boolean);
  expect(ids.slice(0, 4)).toEqual(['provision', 'deploy', 'start-sampling', 'kube-bench-node']);
  // The load phase's patches are asked only for a design with load (test/workflows/loadPhase.test.ts).
  const notInThisHistory: string[] = [PATCHES.auditsAfterWindow, PATCHES.reportReadsPlan, PATCHES.loadPhase, PATCHES.httpLoad];
  expect(patchMarkers(history).sort()).toEqual(
    Object.values(PATCHES)
      .filter((id) => !notInThisHistory.includes(id))
      .sort(),
  );
  expect(patchMarkers(await harness.env.client.workflow.getHandle('exp-history').fetchHistory())).toContain(PATCHES.reportReadsPlan);
});
