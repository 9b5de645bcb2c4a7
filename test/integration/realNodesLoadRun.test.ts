/**
 * The load phase on real nodes (issues 27 and 28): a worker that opts in (experimental.loadPhase) runs baseline,
 * best-practices and policy-engine twice each, with pod churn and HTTP load inside each window, through the real
 * SecurityExperiment workflow on a real dev server. The report has, per scenario, pod create and startup quantiles,
 * each admission controller's cost (PodSecurity's nonzero under best-practices), the engine's webhook cost, the HTTP
 * load's quantiles and errors, what the run could have detected, and the engine's own CPU and memory; the engine
 * denies the pod attacks Pod Security denies; kube-router denies cross-namespace traffic under best-practices' NetworkPolicy;
 * the resets leave no churn pod and nothing of the engine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { POD_PHASES } from '../../src/analysis/load';
import type { ReportModel, RunSummary } from '../../src/analysis/model/runData';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { ExperimentResult } from '../../src/domain/progress';
import { loadKubeClient } from '../../src/kube/client';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { churnSelector } from '../../src/load/churnPods';
import type { TestbedUpResult } from '../../src/testbed';
import { loadBalancerPool, realNodesUnsupported } from '../../src/testbed/realNodes';
import { testbedLayout } from '../../src/testbed/layout';
import { realTestInstance } from '../support/realBed';
import { laneBedHome, laneRealBed } from '../support/realLane';
import { engineRemains } from '../support/engineLeftovers';
import { bounded } from '../support/faults';
import { describeLeftover, listRunObjectsWith } from '../support/leftovers';
import { workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun } from '../support/workerRun';

jest.setTimeout(20 * 60_000);

// The lane's bed's data folder, which is the worker's too (test/support/realLane.ts).
const home = laneBedHome('realnodes');
const log = (line: string) => process.stderr.write(`[real-node load run] ${line}\n`);
const unsupported = realNodesUnsupported();
if (unsupported && process.env.CI === 'true') throw new Error(`real nodes must run in CI: ${unsupported}`);
const describeReal = unsupported ? describe.skip : describe;
/** The real-node tests' instance: this file runs in their lane, after the others that use it. */
const instance = realTestInstance();

const SCENARIOS = ['baseline', 'best-practices', 'policy-engine'] as const;
const REPETITIONS = 2;
/** Short windows; two repetitions, since what a run could have detected needs a spread over repetitions. */
const INPUT = {
  scenarios: [...SCENARIOS],
  repetitions: REPETITIONS,
  seed: 27,
  // The loads end at 25 s: the window closes 2 s later (the suite's time; six windows on the critical lane).
  window: { durationSeconds: 27, intervalSeconds: 5, healthCheckSeconds: 15 },
  workload: { loadBalancerWaitSeconds: 30 },
  bootTime: { measure: false },
  load: {
    churn: { podsPerMinute: 30, podsAlive: 5, period: { startSeconds: 5, durationSeconds: 20 } },
    http: { requestsPerSecond: 5, requestSet: 'front-page', period: { startSeconds: 5, durationSeconds: 20 } },
  },
};
const CHURN_PODS = 10;
/**
 * Requests the HTTP load has due: one each 200 ms of its 20 s period from when its activity began (a late start
 * re-anchors, never bursts, and is recorded). On a loaded machine the activity began up to seconds late.
 */
const expectHttpDue = (http: { due: number; lateStartMs?: number }) => {
  expect(http.lateStartMs).toBeGreaterThanOrEqual(0);
  expect(http.lateStartMs).toBeLessThan(10_000);
  expect(http.due).toBe(Math.ceil((20_000 - http.lateStartMs!) / 200));
};

describeReal(`the load phase on real nodes${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  let up: TestbedUpResult;
  let admin: KubeClient;
  let result: ExperimentResult;
  let model: Omit<ReportModel, 'series'>;
  let markdown: string;
  // The bed's data folder is the worker's too: the local provider finds the bed there and the run's node map in it.
  const data = home;

  beforeAll(async () => {
    ({ up } = await laneRealBed('realnodes', instance, log));
    admin = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    // The bed (provider local, found in its data folder) is the worker's environment; the input carries design only.
    const env = await workerConfigEnv(home, { experiment: { cluster: { provider: 'local' } }, experimental: { loadPhase: true } });
    const run = await startWorkerRun({
      dir: home,
      taskQueue: 'it-load-real',
      env: { ...env, HARDENLAB_HOME: home },
      testbedEnv: { ...process.env, HARDENLAB_HOME: home },
    });
    const started = Date.now();
    try {
      const handle = await run.client.workflow.start('securityExperiment', {
        taskQueue: run.temporal.taskQueue,
        workflowId: `it-load-real-${Date.now()}`,
        args: [INPUT],
      });
      result = await bounded(handle.result(), 16 * 60_000, 'the real-node load run').catch(async (error: unknown) => {
        await handle.terminate('the test gave up waiting').catch(() => undefined);
        throw error;
      });
    } finally {
      await run.stop();
    }
    log(`the run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const reportDir = result.reportDir!;
    model = JSON.parse(fs.readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as typeof model;
    markdown = fs.readFileSync(path.join(reportDir, 'report.md'), 'utf8');
  });

  const runsOf = (scenario: string): RunSummary[] => model.scenarios.find((s) => s.scenario === scenario)!.runs;
  const recordOf = (artifactKey: string) =>
    JSON.parse(fs.readFileSync(path.join(data, artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;

  test('every scenario completes twice, with churn and HTTP load at their rates through the load balancer', () => {
    expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? '']).sort()).toEqual(
      SCENARIOS.flatMap((s) => Array.from({ length: REPETITIONS }, () => [s, 'completed', ''])),
    );
    const pool = loadBalancerPool(testbedLayout(home, instance));
    for (const summary of result.scenarios) {
      const record = recordOf(summary.artifactKey);
      const load = record.load!;
      // The thesis's deploy on real nodes (5 replicas, the site answering through the load balancer), every node sampled.
      expect([summary.scenario, record.deploy?.replicas, record.deploy?.service.httpStatus]).toEqual([summary.scenario, 5, 200]);
      expect(record.collect?.nodes.map((n) => [n.node, n.cpuSamples >= 3])).toEqual(instance.nodes.map((n) => [n.name, true]));
      log(`${summary.scenario}: churn ${JSON.stringify(load.churn && { ...load.churn, records: undefined })}`);
      log(`${summary.scenario}: http ${JSON.stringify(load.http && { ...load.http, errorSamples: load.http.errorSamples })}`);
      expect([summary.scenario, load.error, load.notRun, load.churnRunsOn, load.httpRunsOn]).toEqual([
        summary.scenario, undefined, [], 'worker', 'worker',
      ]);
      // Every pod's startup is reported once, Ready or not (a pod deleted first, with the phases it reached).
      expect(load.churn).toMatchObject({
        due: CHURN_PODS, created: CHURN_PODS, createFailed: 0, deleteFailed: 0, missed: 0, startups: CHURN_PODS,
      });
      // The app's Service at its load-balancer address on host loopback, reached from the worker.
      expect(pool.map((address) => `http://${address}:80`)).toContain(load.http!.target);
      expectHttpDue(load.http!);
      expect(load.http).toMatchObject({ sent: load.http!.due, ok: load.http!.due, errors: 0, errorRate: 0 });
    }
  });

  test('per scenario: pod create and startup quantiles, admission per controller and webhook, HTTP quantiles and errors', () => {
    for (const scenario of SCENARIOS) {
      for (const run of runsOf(scenario)) {
        const load = run.load!;
        const figures = { create: load.createMs, ready: load.startupMs?.ready, http: load.http?.latencyMs };
        log(`${scenario} #${run.repetition}: ${JSON.stringify(figures)} errors ${load.http?.errorRate}`);
        expect(load.createMs).toMatchObject({ n: CHURN_PODS, p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) });
        expect(load.createMs!.p99!).toBeGreaterThan(0);
        // Every pod is scheduled. Each later phase counts only pods that reached it before their delete: pod i lives
        // 10 s, the last ones up to the load's end (2-10 s), so on a busy host a pod slower to start than that does not.
        expect([load.startupPods, load.startupMs!.scheduled!.n]).toEqual([CHURN_PODS, CHURN_PODS]);
        const reached = POD_PHASES.map(({ phase }) => load.startupMs![phase]?.n ?? 0);
        const nonIncreasing = reached.every((n, i) => i === 0 || n <= reached[i - 1]!);
        expect([reached, nonIncreasing, reached.at(-1)! >= 1]).toEqual([reached, true, true]);
        expect(load.startupMs!.ready!.p99).toEqual(expect.any(Number));
        // The report's model keeps the late start in seconds.
        expectHttpDue({ due: load.http!.due, lateStartMs: Math.round(load.http!.lateStartSeconds! * 1000) });
        expect(load.http).toMatchObject({ runsOn: 'worker', errors: 0, errorRate: 0 });
        expect(load.http!.latencyMs).toMatchObject({ n: load.http!.due, p50: expect.any(Number), p99: expect.any(Number) });
        expect(load.admission!.controllers.map((c) => c.name)).toEqual(expect.arrayContaining(['PodSecurity']));
        expect(load.admission!.podCreates!.count).toBeGreaterThanOrEqual(CHURN_PODS);
        const admission = Object.fromEntries(load.admission!.controllers.map((c) => [c.name, [c.count, c.meanMs]]));
        const webhooks = Object.fromEntries(load.admission!.webhooks.map((c) => [c.name, [c.count, c.meanMs]]));
        log(`${scenario} #${run.repetition} admission: ${JSON.stringify({ admission, webhooks })}`);
      }
    }
    for (const run of runsOf('best-practices')) {
      const podSecurity = run.load!.admission!.controllers.find((c) => c.name === 'PodSecurity')!;
      expect(podSecurity.count).toBeGreaterThanOrEqual(CHURN_PODS);
      expect(podSecurity.meanMs!).toBeGreaterThan(0);
    }
    // The engine's webhook judged every churn pod of its run; no other scenario had one.
    for (const run of runsOf('policy-engine')) {
      const webhook = run.load!.admission!.webhooks.find((w) => w.name === 'validation.gatekeeper.sh')!;
      expect(webhook.count).toBeGreaterThanOrEqual(CHURN_PODS);
      expect(webhook.meanMs!).toBeGreaterThan(0);
    }
    for (const scenario of ['baseline', 'best-practices'])
      for (const run of runsOf(scenario)) expect(run.load!.admission!.webhooks).toEqual([]);
    // Over repetitions and against the baseline: the tables with their CIs.
    expect(markdown).toMatch(/\| best-practices \| pod create p99 \| 2 \| \d+\.\d \| -?\d+\.\d … \d+\.\d \| -?\d+\.\d \|/);
    expect(markdown).toMatch(/\| policy-engine \| pod startup to ready p99 \| 2 \| \d+\.\d \|/);
    expect(markdown).toMatch(/\| baseline \| HTTP request p99 \| 2 \| \d+\.\d \|/);
    expect(markdown).toMatch(/\| best-practices \| controller \| PodSecurity \| [1-9]\d* \| 2 \| \d+\.\d{3} \|/);
    expect(markdown).toMatch(/\| policy-engine \| webhook \| validation\.gatekeeper\.sh \| [1-9]\d* \| 2 \| \d+\.\d{3} \|/);
  });

  test('the report states what the run could have detected, from the spread over the two repetitions', () => {
    for (const scenario of ['best-practices', 'policy-engine']) {
      for (const metric of ['CPU used, mean of node means', 'pod create p99', 'pod startup to Ready p99']) {
        const row = new RegExp(String.raw`\| ${scenario} \| ${metric} \| 2 \(2\) \| [\d.]+ \S+ \| [\d.]+ \S+ \| [\d.]+ (ms|s|points) \|`);
        expect([scenario, metric, row.test(markdown)]).toEqual([scenario, metric, true]);
      }
    }
    const logged = /^\| \S+ \| (.+ \| 2 \(2\)|controller \| PodSecurity|webhook|#\d \| \S+-gk) \|/;
    const rows = markdown.split('\n').filter((line) => logged.test(line));
    for (const row of rows) log(row);
  });

  test('the cross-namespace attack sends real traffic: kube-router denies it where the NetworkPolicy pack applies', () => {
    const outcomes = (scenario: string) =>
      runsOf(scenario).map((run) => run.attacks.find((a) => a.id === 'cross-namespace-traffic')?.outcome);
    expect(outcomes('baseline')).toEqual(['allowed', 'allowed']);
    expect(outcomes('best-practices')).toEqual(['denied', 'denied']);
    expect(outcomes('policy-engine')).toEqual(['allowed', 'allowed']);
  });

  test("the engine denies the pod attacks Pod Security denies, and the report gives the engine's own CPU and memory", () => {
    const denied = (scenario: string) =>
      runsOf(scenario).map((run) =>
        run.attacks
          .filter((a) => a.category === 'pod-security' && a.outcome === 'denied')
          .map((a) => a.id)
          .sort(),
      );
    const bestPractices = denied('best-practices');
    expect(bestPractices[0]).toHaveLength(7);
    expect(denied('policy-engine')).toEqual(bestPractices);
    for (const run of runsOf('policy-engine')) {
      for (const attack of run.attacks.filter((a) => a.outcome === 'denied' && a.category === 'pod-security')) {
        const byEngine = expect.stringMatching(/validation\.gatekeeper\.sh.*\[hardenlab-restricted\]/);
        expect([attack.id, attack.message]).toEqual([attack.id, byEngine]);
      }
      const engine = run.load!.engine!;
      log(`engine #${run.repetition}: ${JSON.stringify(engine)}`);
      expect(engine.error).toBeUndefined();
      expect(engine.pods.length).toBeGreaterThanOrEqual(1);
      for (const pod of engine.pods) {
        expect(instance.nodes.map((n) => n.name)).toContain(pod.node);
        expect(pod.cpuCores).toBeGreaterThan(0);
        expect(pod.memoryMiB).toBeGreaterThan(10);
      }
    }
    // Each engine run's pack evidence: Gatekeeper up, its webhook answering, the constraint denying; the token allowed.
    for (const summary of result.scenarios.filter((s) => s.scenario === 'policy-engine')) {
      const record = recordOf(summary.artifactKey);
      expect(record.packs!.evidence.filter((e) => !e.passed)).toEqual([]);
      expect(record.packs!.evidence.map((e) => e.check)).toEqual(
        expect.arrayContaining([
          'policy engine: Gatekeeper v3.23.1 runs and its webhook answers',
          'policy engine: constraint hardenlab-restricted denies a privileged pod',
        ]),
      );
      expect(record.attacks!.attempts.find((a) => a.id === 'automount-sa-token')!.outcome).toBe('allowed');
      expect(record.reset!.removed.map((r) => r.kind)).toEqual(
        expect.arrayContaining(['ValidatingWebhookConfiguration', 'ConstraintTemplate']),
      );
    }
    expect(markdown).toContain('The policy engine’s own cost');
    expect(markdown).toMatch(/\| policy-engine \| #1 \| \S+-gk \| hardenlab-gatekeeper-\S+ on real-node-\d+ \| \d+\.\d{2} \| \d+ \|/);
  });

  test('reset leaves no churn pod and nothing of the engine, cluster-scoped objects included', async () => {
    for (const summary of result.scenarios) {
      const record = recordOf(summary.artifactKey);
      expect([summary.scenario, record.reset!.leftovers]).toEqual([summary.scenario, []]);
      const churn = await admin.list('v1', 'Pod', { namespace: record.namespace, labelSelector: churnSelector(record.runId) });
      expect(churn.items).toEqual([]);
      expect((await listRunObjectsWith(admin, record.runId)).map(describeLeftover)).toEqual([]);
    }
    expect(await engineRemains(admin)).toEqual([]);
  });
});
