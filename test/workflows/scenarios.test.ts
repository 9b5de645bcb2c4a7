/**
 * Scenarios as data in the workflows: a scenario of the worker's config folder runs beside a preset with its
 * own packs and tools, the definition the worker resolved reaches the child and its record, and the attack
 * battery runs after the window (a battery that fails is recorded, and the scenario still completes). With
 * tools.auditAfterWindow, kube-bench, kube-hunter and Trivy also run after every window, as audits.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ApplyPacksRequest, ScenarioRecord } from '../../src/domain/contracts';
import { SCENARIO_DEFINITIONS_FILE, type ScenarioDefinition } from '../../src/domain/scenarios';
import { experimentRunKey } from '../../src/store/runFolder';
import { securityExperiment } from '../../workflows';
import { PATCHES } from '../../workflows/patches';
import { recordHistories } from '../support/histories';
import { createActivityDoubles, permanent } from './doubles';
import { patchMarkers, timeSkippingHarness } from './harness';

jest.setTimeout(120_000);

const harness = timeSkippingHarness('wf-scenarios');
let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-wf-scenarios-'));
  await fs.mkdir(path.join(home, 'scenarios'));
  await fs.writeFile(path.join(home, 'scenarios', 'limits-plus.yaml'), 'packs: [resource-limits]\ntools: [kube-hunter]\n');
});
afterAll(() => fs.rm(home, { recursive: true, force: true }));

/** The patch ids a workflow's history marks. */
const markersOf = async (workflowId: string) => patchMarkers(await harness.env.client.workflow.getHandle(workflowId).fetchHistory());
/** An experiment's artifact folder: its id's and its (latest) run's. */
const experimentDirOf = async (workflowId: string) =>
  experimentRunKey(workflowId, (await harness.env.client.workflow.getHandle(workflowId).describe()).runId);

test('a user scenario from the config folder runs with its packs and tools; the battery runs before reset', async () => {
  // The worker's config file sits in `home`, so its scenarios/ and packs/ are the worker's.
  const env = { HARDENLAB_HOME: home, HARDENLAB_CONFIG: path.join(home, 'config.yaml') };
  const doubles = createActivityDoubles({
    env,
    fail: { runAttackBattery: (call) => (call.scenario === 'baseline' ? permanent('apiserver said no', 'KubeForbidden') : undefined) },
  });
  const input = { scenarios: ['baseline', 'limits-plus'], window: { durationSeconds: 600, intervalSeconds: 60 }, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) =>
    harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-user', args: [input] }),
  );
  expect(result.scenarios.map((s) => [s.scenario, s.status])).toEqual(
    expect.arrayContaining([
      ['baseline', 'completed'],
      ['limits-plus', 'completed'],
    ]),
  );

  const steps = (scenario: string) =>
    doubles.calls
      .filter((c) => c.scenario === scenario)
      .map((c) => c.name)
      .filter((n) => n !== 'checkSampling');
  expect(steps('limits-plus')).toEqual([
    'provisionCluster',
    'deployWorkload',
    'applyPacks',
    'startSampling',
    'runKubeHunter',
    'stopSampling',
    'collectSamples',
    'measureBootTime',
    'runAttackBattery',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
  ]);
  expect(steps('baseline')).toEqual([
    'provisionCluster',
    'deployWorkload',
    'startSampling',
    'stopSampling',
    'collectSamples',
    'measureBootTime',
    'runAttackBattery',
    'cleanupNodes',
    'resetCluster',
    'recordScenario',
  ]);

  const apply = doubles.calls.find((c) => c.name === 'applyPacks')!.arg as ApplyPacksRequest;
  const experimentDir = await experimentDirOf('exp-user');
  expect([apply.scenario.name, apply.scenario.packs.map((p) => p.name), apply.scenario.tools, apply.definitionsKey]).toEqual([
    'limits-plus',
    ['resource-limits'],
    ['kube-hunter'],
    experimentDir,
  ]);
  expect(apply.namespace).toMatch(/^hl-limits-plus-r1-[0-9a-f]{8}$/);
  const deploy = doubles.calls.find((c) => c.name === 'deployWorkload' && c.scenario === 'limits-plus')!.arg as { hardened: boolean };
  expect(deploy.hardened).toBe(false);

  const records = doubles.calls.filter((c) => c.name === 'recordScenario').map((c) => c.arg as ScenarioRecord);
  const user = records.find((r) => r.scenario === 'limits-plus')!;
  expect(user.definition?.manifests.map((m) => m.kind)).toEqual(['LimitRange', 'ResourceQuota']);
  expect(user.attacks?.attempts[0]).toMatchObject({ id: 'privileged-pod', outcome: 'allowed' });
  const baseline = records.find((r) => r.scenario === 'baseline')!;
  expect(baseline.attacks).toBeUndefined();
  // Audits off (the default): none run, none recorded, and the run asks for no patch marker.
  expect(records.map((r) => r.audits)).toEqual([undefined, undefined]);
  expect(await markersOf('exp-user/limits-plus/1')).not.toContain(PATCHES.auditsAfterWindow);
  expect(baseline.steps.find((s) => s.step === 'attack-battery')).toMatchObject({
    status: 'failed',
    error: expect.stringContaining('apiserver said no'),
  });

  // The experiment's artifacts hold the definitions with every manifest's content.
  const saved = JSON.parse(await fs.readFile(path.join(home, experimentDir, SCENARIO_DEFINITIONS_FILE), 'utf8')) as {
    definitions: ScenarioDefinition[];
    packs: { name: string }[];
  };
  expect(saved.definitions.map((d) => d.name)).toEqual(['baseline', 'limits-plus']);
  expect(saved.packs.map((p) => p.name)).toEqual(['resource-limits']);
});

test('audits on: kube-bench, kube-hunter and Trivy after every window, recorded apart from the window’s tool runs', async () => {
  const env = { HARDENLAB_HOME: home, HARDENLAB_CONFIG: path.join(home, 'config.yaml') };
  const hunterFails = (call: { scenario?: string; arg: unknown }) =>
    call.scenario === 'baseline' ? permanent('kube-hunter exited 1', 'ToolRunFailed') : undefined;
  const doubles = createActivityDoubles({ env, fail: { runKubeHunter: hunterFails } });
  const input = {
    scenarios: ['baseline', 'security-tools', 'limits-plus'],
    window: { durationSeconds: 600, intervalSeconds: 60 },
    seed: 1,
    tools: { auditAfterWindow: true },
  };
  const client = harness.env.client;
  const result = await harness.withWorker(doubles, (taskQueue) =>
    client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-audits', args: [input] }),
  );
  // A failed audit is recorded beside the results: the scenario completes and is reset.
  expect(result.scenarios.map((s) => [s.scenario, s.status])).toEqual(
    expect.arrayContaining([
      ['baseline', 'completed'],
      ['security-tools', 'completed'],
      ['limits-plus', 'completed'],
    ]),
  );

  const steps = (scenario: string) =>
    doubles.calls
      .filter((c) => c.scenario === scenario)
      .map((c) => c.name)
      .filter((n) => n !== 'checkSampling');
  const window = ['startSampling', 'stopSampling', 'collectSamples', 'measureBootTime', 'runAttackBattery'];
  const tail = ['cleanupNodes', 'resetCluster', 'recordScenario'];
  const trivy = ['runTrivy', 'runTrivy'];
  expect(steps('baseline')).toEqual(['provisionCluster', 'deployWorkload', ...window, 'runKubeBench', 'runKubeHunter', ...trivy, ...tail]);
  // security-tools keeps its runs inside the window, which stand for its audit: nothing runs twice.
  expect(steps('security-tools')).toEqual([
    'provisionCluster',
    'deployWorkload',
    'startSampling',
    'runKubeBench',
    'runKubeHunter',
    ...trivy,
    ...window.slice(1),
    ...tail,
  ]);
  // limits-plus lists kube-hunter for its window: its audit adds kube-bench and Trivy only.
  expect(steps('limits-plus')).toEqual([
    'provisionCluster',
    'deployWorkload',
    'applyPacks',
    'startSampling',
    'runKubeHunter',
    ...window.slice(1),
    'runKubeBench',
    ...trivy,
    ...tail,
  ]);
  const auditCall = doubles.calls.find((c) => c.scenario === 'baseline' && c.name === 'runKubeBench')!.arg as {
    artifactKey: string;
    tools: { kubeBench: { mode: string } };
  };
  expect(auditCall.artifactKey).toBe(`${await experimentDirOf('exp-audits')}/baseline/1/audit`);

  const records = new Map(
    doubles.calls.filter((c) => c.name === 'recordScenario').map((c) => [(c.arg as ScenarioRecord).scenario, c.arg as ScenarioRecord]),
  );
  const baseline = records.get('baseline')!;
  expect(baseline.tools).toBeUndefined();
  expect(baseline.audits).toEqual({
    runs: [
      expect.objectContaining({ tool: 'kube-bench', mode: 'node' }),
      expect.objectContaining({ tool: 'trivy', mode: 'misconfig' }),
      expect.objectContaining({ tool: 'trivy', mode: 'compliance' }),
    ],
    failures: [{ tool: 'kube-hunter', mode: 'remote', error: expect.stringContaining('kube-hunter exited 1') }],
    ranInWindow: [],
  });
  expect(records.get('security-tools')!.audits).toEqual({ runs: [], failures: [], ranInWindow: ['kube-bench', 'kube-hunter', 'trivy'] });
  expect(records.get('security-tools')!.tools!.map((t) => t.tool)).toEqual(['kube-bench', 'kube-hunter', 'trivy', 'trivy']);
  expect(records.get('limits-plus')!.audits).toMatchObject({
    runs: [{ tool: 'kube-bench' }, { tool: 'trivy' }, { tool: 'trivy' }],
    failures: [],
    ranInWindow: ['kube-hunter'],
  });
  expect(records.get('limits-plus')!.tools!.map((t) => t.tool)).toEqual(['kube-hunter']);
  // Outside the window: every audit step starts after sampling ended (workflow time), every window tool run before.
  for (const record of records.values()) {
    const ended = record.sampling!.endedAt!;
    for (const s of record.steps.filter((x) => x.step === 'audit'))
      expect([record.scenario, s.start >= ended]).toEqual([record.scenario, true]);
    for (const s of record.steps.filter((x) => x.step === 'run-tools'))
      expect([record.scenario, s.end < ended]).toEqual([record.scenario, true]);
  }
  expect(baseline.steps.filter((s) => s.step === 'audit').map((s) => [s.status, s.error ?? ''])).toEqual([
    ['ok', ''],
    ['failed', expect.stringMatching(/^kube-hunter remote: .*kube-hunter exited 1/)],
    ['ok', ''],
    ['ok', ''],
  ]);

  // In the Temporal UI: ids and summaries that say these are audits.
  const { events } = await client.workflow.getHandle('exp-audits/baseline/1').fetchHistory();
  const scheduled = events!.flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityId] : [],
  );
  expect(scheduled.slice(-7, -3)).toEqual([
    'audit-kube-bench-node',
    'audit-kube-hunter-remote',
    'audit-trivy-misconfig',
    'audit-trivy-compliance',
  ]);
  expect(await markersOf('exp-audits/baseline/1')).toContain(PATCHES.auditsAfterWindow);
  await recordHistories(harness.env.address, 'audits', [
    'exp-audits',
    'exp-audits/baseline/1',
    'exp-audits/security-tools/1',
    'exp-audits/limits-plus/1',
  ]);
});
