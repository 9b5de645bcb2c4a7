/**
 * The load phase in the scenario workflow (issue 27), on the time-skipping server with activity doubles: with a
 * design's `load`, each scenario's window runs /metrics, the churn (its schedule anchored at the
 * load's start in workflow time, the scenario's own hardened flag) and /metrics again, before collect and reset;
 * a churn that fails is the load's error, not the scenario's.
 */
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { HttpLoadRequest, PodChurnRequest } from '../../src/domain/loadContracts';
import { securityExperiment } from '../../workflows';
import { PATCHES } from '../../workflows/patches';
import { createActivityDoubles, permanent } from './doubles';
import { patchMarkers, timeSkippingHarness } from './harness';

jest.setTimeout(120_000);

const harness = timeSkippingHarness('wf-load');
const window = { durationSeconds: 600, intervalSeconds: 60 };
const churn = { podsPerMinute: 60, podsAlive: 5, period: { startSeconds: 60, durationSeconds: 300 } };
const load = { churn, http: { requestsPerSecond: 5, period: { startSeconds: 30, durationSeconds: 120 } } };

const recordsOf = (doubles: ReturnType<typeof createActivityDoubles>) =>
  new Map(doubles.calls.filter((c) => c.name === 'recordScenario').map((c) => [c.scenario!, c.arg as ScenarioRecord]));

test('each window runs /metrics, the churn and /metrics again, anchored at the load start, before collect and reset', async () => {
  const doubles = createActivityDoubles({ experimental: { loadPhase: true } });
  const input = { scenarios: ['baseline', 'best-practices'], window, load, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-load', args: [input] }),
  );
  expect(result.scenarios.map((s) => s.status)).toEqual(['completed', 'completed']);
  const records = recordsOf(doubles);
  for (const scenario of ['baseline', 'best-practices']) {
    const steps = doubles.calls.filter((c) => c.scenario === scenario && c.name !== 'checkSampling').map((c) => c.name);
    const at = (name: string) => steps.indexOf(name as never);
    const loadSteps = steps.filter((n) => n === 'scrapeApiMetrics' || n === 'runPodChurn');
    expect(loadSteps).toEqual(['scrapeApiMetrics', 'runPodChurn', 'scrapeApiMetrics']);
    expect(at('startSampling')).toBeLessThan(at('scrapeApiMetrics'));
    expect(steps.lastIndexOf('scrapeApiMetrics')).toBeLessThan(at('collectSamples'));
    expect(at('collectSamples')).toBeLessThan(at('resetCluster'));

    const request = doubles.calls.find((c) => c.scenario === scenario && c.name === 'runPodChurn')!.arg as PodChurnRequest;
    const record = records.get(scenario)!;
    expect(request).toMatchObject({ podsPerMinute: 60, podsAlive: 5, durationSeconds: 300, hardened: scenario === 'best-practices' });
    expect(request.startAtMs - record.sampling!.startedAt).toBe(60_000);
    expect(request.namespace).toBe(record.namespace);
    expect(record.load).toMatchObject({
      churnRunsOn: 'worker',
      httpRunsOn: 'worker',
      churn: { offeredPerMinute: 60 },
      http: { offeredPerSecond: 5, requestSet: 'front-page' },
      metrics: { start: { file: 'load/apiserver-metrics.start.txt' }, end: { file: 'load/apiserver-metrics.end.txt' } },
      notRun: [],
    });
    expect(record.load!.error).toBeUndefined();
    // The HTTP load from its own start in the window; the request names no address (the worker reads the Service's).
    const http = doubles.calls.find((c) => c.scenario === scenario && c.name === 'sendHttpLoad')!.arg as HttpLoadRequest;
    expect(http).toMatchObject({ requestSet: 'front-page', requestsPerSecond: 5, durationSeconds: 120, namespace: record.namespace });
    expect(http.startAtMs - record.sampling!.startedAt).toBe(30_000);
    expect(Object.keys(http).sort()).toEqual(
      ['artifactKey', 'cluster', 'durationSeconds', 'namespace', 'requestSet', 'requestsPerSecond', 'runId', 'startAtMs'].sort(),
    );
    expect(at('startSampling')).toBeLessThan(at('sendHttpLoad'));
    expect(at('sendHttpLoad')).toBeLessThan(at('collectSamples'));
    const history = await harness.env.client.workflow.getHandle(record.workflowId).fetchHistory();
    expect(patchMarkers(history)).toEqual(expect.arrayContaining([PATCHES.loadPhase, PATCHES.httpLoad]));
  }
});

test("an HTTP load with no app address is the load's error beside a churn that completes", async () => {
  const doubles = createActivityDoubles({
    experimental: { loadPhase: true },
    fail: { sendHttpLoad: () => permanent('the app\'s Service hardenlab-web has no load-balancer address', 'HttpLoadNoTarget') },
  });
  const input = { scenarios: ['baseline'], window, load, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-load-http-fails', args: [input] }),
  );
  expect(result.scenarios.map((s) => s.status)).toEqual(['completed']);
  const record = recordsOf(doubles).get('baseline')!;
  expect(record.load!.error).toMatch(/^http: .*has no load-balancer address/);
  expect(record.load!.http).toBeUndefined();
  expect(record.load!.churn).toMatchObject({ offeredPerMinute: 60 });
  expect(record.load!.metrics.end).toBeDefined();
});

test("a churn that fails is the load's error: the scenario completes, with its samples and reset", async () => {
  const doubles = createActivityDoubles({
    experimental: { loadPhase: true },
    fail: { runPodChurn: () => permanent('pods "hardenlab-churn-0" is forbidden', 'KubeForbidden') },
  });
  const input = { scenarios: ['baseline'], window, load: { churn }, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-load-fails', args: [input] }),
  );
  expect(result.scenarios.map((s) => s.status)).toEqual(['completed']);
  const record = recordsOf(doubles).get('baseline')!;
  expect(record.load!.error).toContain('forbidden');
  expect(record.load!.metrics.end).toBeUndefined();
  expect(record.collect).toBeDefined();
  expect(record.reset).toBeDefined();
});

test('without the load design the scenario marks no load patch and calls no load activity', async () => {
  const doubles = createActivityDoubles({ experimental: { loadPhase: true } });
  const args: [{ scenarios: string[]; window: typeof window }] = [{ scenarios: ['baseline'], window }];
  const workflowId = 'exp-idle';
  const execute = (taskQueue: string) => harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId, args });
  await harness.withWorker(doubles, execute);
  expect(doubles.calls.filter((c) => ['runPodChurn', 'scrapeApiMetrics', 'sendHttpLoad'].includes(c.name))).toEqual([]);
  const history = await harness.env.client.workflow.getHandle('exp-idle/baseline/1').fetchHistory();
  expect(patchMarkers(history)).not.toContain(PATCHES.loadPhase);
  expect(patchMarkers(history)).not.toContain(PATCHES.httpLoad);
});

test('an HTTP load the worker sent from a load pod is recorded as run in a pod', async () => {
  const fromPod = { ...{ offeredPerSecond: 5, achievedPerSecond: 5, due: 1, sent: 1, ok: 1, errors: 0, errorRate: 0, skippedBusy: 0 } };
  const doubles = createActivityDoubles({
    experimental: { loadPhase: true },
    results: {
      sendHttpLoad: async (req) => ({
        ...{ ...fromPod, maxLagMs: 0, cpu: { seconds: 0.1, shareOfOneCore: 0.01 }, errorSamples: [] },
        ...{ latencyMs: { n: 1, p50: 1, p95: 1, p99: 1, max: 1, mean: 1 }, requestSet: req.requestSet },
        ...{ target: 'http://10.96.0.20:80', runsOn: 'pod' as const, loadPod: 'hardenlab-load-http-1' },
      }),
    },
  });
  const input = { scenarios: ['baseline'], window, load: { http: load.http }, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-load-pod', args: [input] }),
  );
  expect(result.scenarios.map((s) => s.status)).toEqual(['completed']);
  expect(recordsOf(doubles).get('baseline')!.load).toMatchObject({
    ...{ httpRunsOn: 'pod', http: { runsOn: 'pod', loadPod: 'hardenlab-load-http-1' } },
  });
});

test('a 24 h window with churn at 60 pods/min and HTTP load throughout adds a few history events, not one per pod', async () => {
  // 86,400 pods and 432,000 requests run inside two activities (heartbeats are not history events): the workflow's
  // history is that of the same window without load plus the load's few activities.
  const day = { durationSeconds: 86_400, intervalSeconds: 600, healthCheckSeconds: 3_600 };
  const allDay = { startSeconds: 0, durationSeconds: 86_400 };
  const dayLoad = { churn: { podsPerMinute: 60, podsAlive: 5, period: allDay }, http: { requestsPerSecond: 5, period: allDay } };
  const events: number[] = [];
  for (const [id, extra] of [['exp-day-idle', {}], ['exp-day-load', { load: dayLoad }]] as const) {
    const doubles = createActivityDoubles({});
    const input = { scenarios: ['baseline'], window: day, seed: 1, ...extra };
    await harness.withWorker(doubles, (taskQueue) =>
      harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: id, args: [input] }),
    );
    const history = await harness.env.client.workflow.getHandle(`${id}/baseline/1`).fetchHistory();
    events.push(history.events?.length ?? 0);
  }
  console.log(`a 24 h window: ${events[0]} history events idle, ${events[1]} with churn at 60 pods/min and HTTP at 5/s`);
  expect(events[1]! - events[0]!).toBeGreaterThan(0);
  expect(events[1]! - events[0]!).toBeLessThan(40);
});
