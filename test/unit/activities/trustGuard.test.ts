/**
 * Issue 25, high 1, defence in depth: activities check every request against what the worker resolved and
 * provisioned for the calling workflow's experiment (the caller is Temporal's activity context, not the input).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClusterActivities } from '../../../activities/cluster';
import { ExperimentRecords } from '../../../activities/experimentRecords';
import { guardActivities } from '../../../activities/trustGuard';
import { validateExperiment, type ExperimentConfig } from '../../../src/config/experiment';
import type { HardenlabActivities } from '../../../src/domain/activities';
import type { ClusterRef, ResolvedExperiment } from '../../../src/domain/contracts';
import { namespaceFor, runIdFor, scenarioKey } from '../../../src/domain/naming';
import { experimentRunKey } from '../../../src/store/runFolder';
import { tempDir } from '../../support/tempDir';
import { realClusterDeps } from '../../support/activityDeps';

const EXPERIMENT = 'exp-guard';
const RUN_ID = '00000000-0000-4000-8000-000000000001';
const CHILD = `${EXPERIMENT}/baseline/1`;
const REF: ClusterRef = { provider: 'local', kubeconfigPath: '/data/sim/kubeconfig', nodeMapPath: '/data/sim/nodes.yaml' };

function resolvedConfig(): ExperimentConfig {
  const result = validateExperiment({
    cluster: { provider: 'local', kubeconfigPath: '/data/sim/kubeconfig' },
    nodeMapPath: '/data/sim/nodes.yaml',
    scenarios: ['baseline'],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

let root: string;
let calls: string[];
let guarded: HardenlabActivities;

/** Inner activities that only note they ran: the guard decides whether they do. */
function fakeActivities(): HardenlabActivities {
  const resolved: ResolvedExperiment = {
    config: resolvedConfig(),
    experimentId: EXPERIMENT,
    artifactKey: experimentRunKey(EXPERIMENT, RUN_ID),
  };
  return new Proxy({} as HardenlabActivities, {
    get: (_target, name: string) => async () => {
      calls.push(name);
      if (name === 'resolveExperiment') return resolved;
      if (name === 'provisionCluster') return { cluster: REF, created: false, facts: {} };
      return {};
    },
  });
}

const as = (workflowId: string) => new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'run-1' } });

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('ran instead of being refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).type).toBe('InvalidInput');
  return error as ApplicationFailure;
}

const scoped = (over: Partial<{ runId: string; cluster: unknown; namespace: string }> = {}) =>
  ({
    runId: runIdFor(CHILD),
    cluster: REF,
    namespace: namespaceFor('baseline', 1, CHILD),
    ...over,
  }) as { runId: string; cluster: ClusterRef; namespace: string };

beforeEach(async () => {
  root = await tempDir('hardenlab-guard-');
  calls = [];
  guarded = guardActivities(fakeActivities(), new ExperimentRecords(root));
  await as(EXPERIMENT).run(guarded.resolveExperiment, { input: {}, workflowId: EXPERIMENT });
  await as(EXPERIMENT).run(guarded.provisionCluster, {
    runId: runIdFor(EXPERIMENT),
    cluster: resolvedConfig().cluster,
    nodeMapPath: '/data/sim/nodes.yaml',
  });
  calls = [];
});

test('a planned scenario run of a resolved experiment gets through with what the worker chose', async () => {
  await as(CHILD).run(guarded.deployWorkload, { ...scoped(), scenario: 'baseline', workload: resolvedConfig().workload, hardened: false });
  await as(CHILD).run(guarded.startSampling, {
    runId: runIdFor(CHILD),
    nodeMapPath: '/data/sim/nodes.yaml',
    intervalSeconds: 5,
    durationSeconds: 60,
  });
  await as(CHILD).run(guarded.runKubeBench, {
    ...scoped(),
    tools: resolvedConfig().tools,
    artifactKey: scenarioKey(experimentRunKey(EXPERIMENT, RUN_ID), 'baseline', 1),
  });
  await as(EXPERIMENT).run(guarded.buildReport, {
    experimentId: EXPERIMENT,
    artifactKey: experimentRunKey(EXPERIMENT, RUN_ID),
    partial: false,
  });
  expect(calls).toEqual(['deployWorkload', 'startSampling', 'runKubeBench', 'buildReport']);
});

test('a workflow that is no experiment the worker resolved (a scenarioRun started by hand) reaches nothing', async () => {
  for (const rogue of ['rogue/baseline/1', `${EXPERIMENT}/best-practices/1`, `${EXPERIMENT}/baseline/2`, 'rogue']) {
    const failure = await refusal(
      as(rogue).run(guarded.deployWorkload, { ...scoped(), scenario: 'baseline', workload: resolvedConfig().workload, hardened: false }),
    );
    expect(failure.message).toContain(`the calling workflow "${rogue}" is not an experiment this worker resolved`);
  }
  expect(calls).toEqual([]);
});

test('environment fields, cluster references, node maps and artifact keys that the worker did not choose are refused, each named', async () => {
  const forgedRef = { ...REF, kubeconfigPath: '/tmp/exec-plugin-kubeconfig' };
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      'cluster ref',
      () => as(CHILD).run(guarded.resetCluster, scoped({ cluster: forgedRef })),
      'cluster: is not a cluster reference the worker provisioned',
    ],
    [
      'namespace',
      () => as(CHILD).run(guarded.resetCluster, scoped({ namespace: 'kube-system' })),
      "namespace: is not the calling scenario run's namespace",
    ],
    [
      'run id',
      () => as(CHILD).run(guarded.resetCluster, scoped({ runId: runIdFor('someone-else') })),
      "runId: is not the calling workflow's run id",
    ],
    [
      'node map',
      () => as(CHILD).run(guarded.stopSampling, { runId: runIdFor(CHILD), nodeMapPath: '/tmp/attacker-nodes.yaml' }),
      'nodeMapPath: is not a node map',
    ],
    [
      'artifact key',
      () =>
        as(CHILD).run(guarded.collectSamples, {
          runId: runIdFor(CHILD),
          nodeMapPath: '/data/sim/nodes.yaml',
          artifactKey: 'experiments/other',
        }),
      'artifactKey: is not the calling run',
    ],
    [
      'definitions key',
      () =>
        as(CHILD).run(guarded.applyPacks, {
          ...scoped(),
          scenario: {} as never,
          definitionsKey: 'experiments/other',
          hardening: resolvedConfig().hardening,
        }),
      'definitionsKey: is not the folder of the experiment the worker resolved',
    ],
    [
      'test user',
      () => as(CHILD).run(guarded.runAttackBattery, { ...scoped(), hardening: { ...resolvedConfig().hardening, rbacUser: 'admin' } }),
      'hardening: differs',
    ],
    [
      'report folder',
      () => as(EXPERIMENT).run(guarded.buildReport, { experimentId: EXPERIMENT, artifactKey: 'experiments', partial: false }),
      'artifactKey: is not',
    ],
  ];
  const tools = resolvedConfig().tools;
  const toolCases: [string, unknown][] = [
    ['tools.kubeBench.binaryPath', { ...tools, kubeBench: { ...tools.kubeBench, binaryPath: '/tmp/evil' } }],
    ['tools.kubeHunter.active', { ...tools, kubeHunter: { ...tools.kubeHunter, active: true } }],
    ['tools.kubeHunter.remoteTarget', { ...tools, kubeHunter: { ...tools.kubeHunter, remoteTarget: '192.0.2.1' } }],
    ['tools.kubeHunter.subnetProbes', { ...tools, kubeHunter: { ...tools.kubeHunter, subnetProbes: { allowed: true } } }],
  ];
  for (const [field, forged] of toolCases) {
    const req = {
      ...scoped(),
      tools: forged as typeof tools,
      artifactKey: scenarioKey(experimentRunKey(EXPERIMENT, RUN_ID), 'baseline', 1),
      mode: 'remote' as const,
    };
    cases.push([field, () => as(CHILD).run(guarded.runKubeHunter, req), `${field}: differs from the worker's config`]);
  }
  for (const [name, run, expected] of cases)
    expect([name, (await refusal(run())).message]).toEqual([name, expect.stringContaining(expected)]);
  expect(calls).toEqual([]);
});

test('a provision request naming a Linode API and token variable of its own is refused before anything reaches the URL', async () => {
  const listener = net.createServer((socket) => socket.destroy());
  let connections = 0;
  listener.on('connection', () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`;
  try {
    // The real cluster activities behind the guard, with a worker variable the input would send as the token.
    const real = createClusterActivities(realClusterDeps({ HARDENLAB_GUARD_TOKEN: 'secret-token' }));
    const records = new ExperimentRecords(root);
    const withRealCluster = guardActivities({ ...fakeActivities(), ...real } as HardenlabActivities, records);
    const spec = {
      ...resolvedConfig().cluster,
      provider: 'linode' as const,
      linode: { ...resolvedConfig().cluster.linode, apiUrl, tokenEnv: 'HARDENLAB_GUARD_TOKEN' },
    };
    const failure = await refusal(
      as(CHILD).run(withRealCluster.provisionCluster, { runId: runIdFor(CHILD), cluster: spec, nodeMapPath: '/data/sim/nodes.yaml' }),
    );
    expect(failure.message).toContain("cluster: is not the cluster the worker's config chose for this experiment");
    expect(failure.message).not.toContain('secret-token');
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
  expect(connections).toBe(0);
});
