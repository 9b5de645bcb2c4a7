/**
 * Scenarios as data in the workflows: a scenario of the worker's config folder runs beside a preset with its
 * own packs and tools, the definition the worker resolved reaches the child and its record, and the attack
 * battery runs after the window (a battery that fails is recorded, and the scenario still completes).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ApplyPacksRequest, ScenarioRecord } from '../../src/domain/contracts';
import { SCENARIO_DEFINITIONS_FILE, type ScenarioDefinition } from '../../src/domain/scenarios';
import { securityExperiment } from '../../workflows';
import { createActivityDoubles, permanent } from './doubles';
import { timeSkippingHarness } from './harness';

jest.setTimeout(120_000);

const harness = timeSkippingHarness('wf-scenarios');
let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-wf-scenarios-'));
  await fs.mkdir(path.join(home, 'scenarios'));
  await fs.writeFile(path.join(home, 'scenarios', 'limits-plus.yaml'), 'packs: [resource-limits]\ntools: [kube-hunter]\n');
});
afterAll(() => fs.rm(home, { recursive: true, force: true }));

test('a user scenario from the config folder runs with its packs and tools; the battery runs before reset', async () => {
  // The worker's config file sits in `home`, so its scenarios/ and packs/ are the worker's.
  const env = { HARDENLAB_HOME: home, HARDENLAB_CONFIG: path.join(home, 'config.yaml') };
  const doubles = createActivityDoubles({ env, fail: { runAttackBattery: (call) => (call.scenario === 'baseline' ? permanent('apiserver said no', 'KubeForbidden') : undefined) } });
  const input = { scenarios: ['baseline', 'limits-plus'], window: { durationSeconds: 600, intervalSeconds: 60 }, seed: 1 };
  const result = await harness.withWorker(doubles, (taskQueue) => harness.env.client.workflow.execute(securityExperiment, { taskQueue, workflowId: 'exp-user', args: [input] }));
  expect(result.scenarios.map((s) => [s.scenario, s.status])).toEqual(expect.arrayContaining([['baseline', 'completed'], ['limits-plus', 'completed']]));

  const steps = (scenario: string) => doubles.calls.filter((c) => c.scenario === scenario).map((c) => c.name).filter((n) => n !== 'checkSampling');
  expect(steps('limits-plus')).toEqual(['provisionCluster', 'deployWorkload', 'applyPacks', 'startSampling', 'runKubeHunter', 'stopSampling', 'collectSamples', 'measureBootTime', 'runAttackBattery', 'cleanupNodes', 'resetCluster', 'recordScenario']);
  expect(steps('baseline')).toEqual(['provisionCluster', 'deployWorkload', 'startSampling', 'stopSampling', 'collectSamples', 'measureBootTime', 'runAttackBattery', 'cleanupNodes', 'resetCluster', 'recordScenario']);

  const apply = doubles.calls.find((c) => c.name === 'applyPacks')!.arg as ApplyPacksRequest;
  expect([apply.scenario.name, apply.scenario.packs.map((p) => p.name), apply.scenario.tools, apply.definitionsKey]).toEqual(['limits-plus', ['resource-limits'], ['kube-hunter'], 'experiments/exp-user']);
  expect(apply.namespace).toMatch(/^hl-limits-plus-r1-[0-9a-f]{8}$/);
  const deploy = doubles.calls.find((c) => c.name === 'deployWorkload' && c.scenario === 'limits-plus')!.arg as { hardened: boolean };
  expect(deploy.hardened).toBe(false);

  const records = doubles.calls.filter((c) => c.name === 'recordScenario').map((c) => c.arg as ScenarioRecord);
  const user = records.find((r) => r.scenario === 'limits-plus')!;
  expect(user.definition?.manifests.map((m) => m.kind)).toEqual(['LimitRange', 'ResourceQuota']);
  expect(user.attacks?.attempts[0]).toMatchObject({ id: 'privileged-pod', outcome: 'allowed' });
  const baseline = records.find((r) => r.scenario === 'baseline')!;
  expect(baseline.attacks).toBeUndefined();
  expect(baseline.steps.find((s) => s.step === 'attack-battery')).toMatchObject({ status: 'failed', error: expect.stringContaining('apiserver said no') });

  // The experiment's artifacts hold the definitions with every manifest's content.
  const saved = JSON.parse(await fs.readFile(path.join(home, 'experiments/exp-user', SCENARIO_DEFINITIONS_FILE), 'utf8')) as { definitions: ScenarioDefinition[]; packs: { name: string }[] };
  expect(saved.definitions.map((d) => d.name)).toEqual(['baseline', 'limits-plus']);
  expect(saved.packs.map((p) => p.name)).toEqual(['resource-limits']);
});
