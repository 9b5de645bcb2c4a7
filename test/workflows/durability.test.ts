/**
 * Durability of long runs on the time-skipping server: the largest accepted window's history and result
 * stay small, failed health checks become gaps (not operator questions), cleanup stops samplers a failed
 * start left behind, and cleanup failures are reported beside the scenario's error with the report built.
 */
import { temporal } from '@temporalio/proto';
import { MAX_HEALTH_CHECKS_PER_WINDOW } from '../../src/config/experiment';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { operatorDecisionSignal, securityExperiment } from '../../workflows';
import { recordHistories } from '../support/histories';
import { tempDir } from '../support/tempDir';
import { createActivityDoubles, permanent, type DoubleOptions } from './doubles';
import { timeSkippingHarness } from './harness';

jest.setTimeout(600_000);

const harness = timeSkippingHarness('durability');

async function run(workflowId: string, input: object, options: DoubleOptions = {}, during?: () => Promise<void>) {
  const doubles = createActivityDoubles(options);
  const outcome = await harness.withWorker(doubles, async (taskQueue) => {
    const handle = await harness.env.client.workflow.start(securityExperiment, { taskQueue, workflowId, args: [input] });
    await during?.();
    return handle.result().catch((err: unknown) => err);
  });
  const recorded = (name: string) =>
    doubles.calls.filter((c) => c.name === 'recordScenario' && c.workflowId.startsWith(`${name}/`)).map((c) => c.arg as ScenarioRecord);
  return { outcome, calls: doubles.calls, names: doubles.calls.map((c) => c.name), record: recorded(workflowId)[0] };
}

/** Gaps with times as whole seconds into the window (workflow time moves on a few ms per task). */
// To the minute: a gap ends when the failed check's activity returns, and its own run time (real seconds under
// load, not skipped) lands on the workflow clock; checks are an hour apart.
const toMinute = (ms: number) => Math.round(ms / 60_000) * 60;
const inWindowSeconds = (record: ScenarioRecord) =>
  record.sampling!.gaps.map((g) => ({
    ...g,
    start: toMinute(g.start - record.sampling!.startedAt),
    end: toMinute(g.end - record.sampling!.startedAt),
  }));

// The test bed is the workers' configured environment (doubles.ts): the input carries design only.
const local = {};
const baseline = { ...local, scenarios: ['baseline' as const], bootTime: { measure: false, reboot: false } };

test('the largest accepted window (a check a minute for 24 h) stays far below the history limit, with a bounded result', async () => {
  const input = {
    ...local,
    scenarios: ['security-tools' as const],
    window: { durationSeconds: 86_400, intervalSeconds: 600, healthCheckSeconds: 60 },
  };
  const started = Date.now();
  const { outcome, record, names } = await run('dur-long', input);
  expect(outcome).toMatchObject({ partial: false });
  expect(names.filter((n) => n === 'checkSampling')).toHaveLength(MAX_HEALTH_CHECKS_PER_WINDOW - 1);

  const history = await harness.env.client.workflow.getHandle('dur-long/security-tools/1').fetchHistory();
  const events = history.events?.length ?? 0;
  const bytes = temporal.api.history.v1.History.encode(history).finish().length;
  const resultBytes = JSON.stringify(record).length;
  console.log(
    `largest accepted window: ${MAX_HEALTH_CHECKS_PER_WINDOW - 1} health checks, ${events} history events, ${bytes} history ` +
      `bytes, ${resultBytes} bytes of scenario record, ${Date.now() - started} ms`,
  );
  expect(events).toBeLessThan(12_000); // Temporal's limit is 51,200 events (and it warns at 10,240 per 1,000 checks more)
  expect(events).toBeGreaterThan(5 * (MAX_HEALTH_CHECKS_PER_WINDOW - 1)); // each check is really in the history
  // Checks are counted, not listed: the record does not grow with the window.
  expect(record!.steps.map((s) => s.step)).not.toContain('sampling-window');
  expect(record!.sampling!.healthChecks).toEqual({ count: MAX_HEALTH_CHECKS_PER_WINDOW - 1, failed: 0 });
  expect(resultBytes).toBeLessThan(4_000);
});

test('a health check that cannot reach a node for a while records one gap on that node, and the window goes on', async () => {
  let check = 0;
  const outage = (n: number) => n >= 3 && n <= 6;
  const results: DoubleOptions['results'] = {
    checkSampling: async () => {
      check++;
      return outage(check)
        ? {
            nodes: [
              { node: 'n1', alive: true, restarted: false },
              { node: 'n2', alive: false, restarted: false, error: 'ssh n2: connect ECONNREFUSED 127.0.0.12:22' },
            ],
            gaps: [],
          }
        : {
            nodes: [
              { node: 'n1', alive: true, restarted: false },
              { node: 'n2', alive: true, restarted: false },
            ],
            gaps: [],
          };
    },
  };
  const input = { ...baseline, window: { durationSeconds: 36_000, intervalSeconds: 60, healthCheckSeconds: 3600 } };
  const { outcome, record, names } = await run('dur-ssh-outage', input, { results });
  expect(outcome).toMatchObject({ partial: false, scenarios: [{ status: 'completed' }] });
  expect(names.filter((n) => n === 'checkSampling')).toHaveLength(9);
  // Checks at hours 1..9; n2 was unreachable at checks 3 to 6: unknown from the last good check (hour 2) to hour 6.
  expect(inWindowSeconds(record!)).toEqual([
    { node: 'n2', start: 2 * 3600, end: 6 * 3600, reason: expect.stringMatching(/^health check failed: ssh n2: connect ECONNREFUSED/) },
  ]);
  expect(record!.sampling!.healthChecks).toEqual({ count: 9, failed: 4, lastError: expect.stringContaining('ECONNREFUSED') });
  expect(record!.steps.filter((s) => s.status !== 'ok')).toEqual([]);
  expect(names.slice(-7)).toEqual([
    'stopSampling',
    'collectSamples',
    'runAttackBattery',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
    'buildReport',
  ]);
});

test('a health check that fails as a whole is a gap on every sampled node, not an operator question', async () => {
  let check = 0;
  const fail = { checkSampling: () => (++check === 2 ? permanent('/etc/hardenlab/nodes.yaml: EIO', 'NodeMapUnreadable') : undefined) };
  const input = {
    ...baseline,
    operatorTimeoutSeconds: 3600,
    window: { durationSeconds: 4 * 3600, intervalSeconds: 60, healthCheckSeconds: 3600 },
  };
  const { outcome, record, names } = await run('dur-check-fails', input, { fail });
  expect(outcome).toMatchObject({ partial: false, scenarios: [{ status: 'completed' }] });
  expect(names.filter((n) => n === 'checkSampling')).toHaveLength(3);
  expect(inWindowSeconds(record!)).toEqual([
    { node: 'n1', start: 3600, end: 2 * 3600, reason: 'health check failed: NodeMapUnreadable: /etc/hardenlab/nodes.yaml: EIO' },
  ]);
  expect(record!.sampling!.healthChecks).toMatchObject({ count: 3, failed: 1 });
  expect(names).toContain('collectSamples');
});

test('a start-sampling that fails part-way is stopped in cleanup, after an abort and after a skip', async () => {
  const fail = { startSampling: () => permanent('n2: sudo: a password is required', 'SamplingStartFailed') };
  const aborted = await run('dur-start-abort', { ...baseline, operatorTimeoutSeconds: 600 }, { fail });
  expect(aborted.outcome).toMatchObject({
    scenarios: [{ status: 'aborted', error: expect.stringContaining('sudo: a password is required') }],
  });
  expect(aborted.names).toEqual([
    'resolveExperiment',
    'provisionCluster',
    'deployWorkload',
    'startSampling',
    'stopSampling',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
    'buildReport',
  ]);

  const skip = async () => {
    await harness.waitForProgress('dur-start-skip/baseline/1', (p) => Boolean(p.waitingForOperator), { advanceMs: 1000, maxQueries: 300 });
    await harness.env.client.workflow.getHandle('dur-start-skip/baseline/1').signal(operatorDecisionSignal, { action: 'skip', by: 'test' });
  };
  const skipped = await run('dur-start-skip', { ...baseline, window: { durationSeconds: 600, intervalSeconds: 60 } }, { fail }, skip);
  // Skipped sampling: the scenario completes, says it has no samples, and the half-started samplers are stopped.
  expect(skipped.outcome).toMatchObject({ partial: true, scenarios: [{ status: 'completed-without-samples' }] });
  expect(skipped.record!.status).toBe('completed-without-samples');
  expect(skipped.names).toEqual([
    'resolveExperiment',
    'provisionCluster',
    'deployWorkload',
    'startSampling',
    'runAttackBattery',
    'stopSampling',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
    'buildReport',
  ]);
});

test('a failed teardown of the shared cluster is reported beside the results, and the report is still built', async () => {
  const fail = { teardownCluster: () => permanent('linode: 503 Service Unavailable', 'LinodeApiError') };
  const input = { environment: 'lke', scenarios: ['baseline' as const], window: { durationSeconds: 600, intervalSeconds: 60 } };
  const { outcome, names } = await run('dur-teardown', input, {
    fail,
    env: { HARDENLAB_HOME: await tempDir('hardenlab-wf-home-'), LINODE_TOKEN: 'x' },
  });
  expect(outcome).toMatchObject({
    partial: false,
    htmlPath: expect.stringMatching(/report\.html$/),
    cleanupErrors: [expect.stringMatching(/^teardown of lke-.*503 Service Unavailable/)],
  });
  expect(names.slice(-2)).toEqual(['teardownCluster', 'buildReport']);
});

test('cleanup failures are reported beside the scenario failure, not instead of it, and the report is still built', async () => {
  const fail = {
    deployWorkload: () => permanent('forbidden: deployments.apps'),
    resetCluster: () => permanent('etcdserver: request timed out', 'KubeUnavailable'),
    recordScenario: () => permanent('EROFS: read-only file system', 'StoreError'),
  };
  const { outcome, names } = await run('dur-cleanup', { ...baseline, operatorTimeoutSeconds: 600 }, { fail });
  const summary = (outcome as { scenarios: { status: string; error: string }[] }).scenarios[0]!;
  expect(summary.status).toBe('aborted');
  expect(summary.error).toMatch(
    new RegExp(
      String.raw`aborted at step deploy: KubeForbidden: forbidden: deployments\.apps; cleanup also failed: reset: .*etcdserver: ` +
        String.raw`request timed out; record \(the report lacks this scenario\): StoreError: EROFS`,
    ),
  );
  expect(names.at(-1)).toBe('buildReport');
  expect(outcome).toMatchObject({ partial: true, htmlPath: expect.stringMatching(/report\.html$/) });

  // A scenario that ran well but could not be recorded fails, naming why, and the report is still built.
  const unrecorded = await run(
    'dur-unrecorded',
    { ...baseline, window: { durationSeconds: 600, intervalSeconds: 60 } },
    { fail: { recordScenario: fail.recordScenario } },
  );
  expect(unrecorded.outcome).toMatchObject({
    partial: true,
    scenarios: [
      {
        status: 'failed',
        error: expect.stringMatching(/^ScenarioNotRecorded: record \(the report lacks this scenario\): StoreError: EROFS/),
      },
    ],
  });
  expect(unrecorded.names.at(-1)).toBe('buildReport');
  await recordHistories(harness.env.address, 'cleanup-beside-error', [
    'dur-cleanup',
    'dur-cleanup/baseline/1',
    'dur-unrecorded',
    'dur-unrecorded/baseline/1',
  ]);
});
