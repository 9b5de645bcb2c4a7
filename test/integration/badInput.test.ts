/**
 * The bad-input catalogue on the real components: workflow inputs as the Temporal UI sends them (real dev
 * server, real worker), the worker's config file, kubeconfigs (cluster activities against the test bed's
 * kube-apiserver), SSH (sampling activities against the test bed's node hosts). Each case expects a clear
 * error naming the field, file or target; afterwards a good workflow still completes on the same worker.
 * Pure cases (config and node map files, sysstat files, tool output) are in test/unit/badInput/.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { createClusterActivities } from '../../activities/cluster';
import { createSamplingActivities } from '../../activities/sampling';
import { clusterSchema, type ExperimentInput } from '../../src/config/experiment';
import { runIdFor } from '../../src/domain/naming';
import type { ExperimentResult } from '../../src/domain/progress';
import { Ssh2Connector } from '../../src/ssh';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import { ArtifactStore } from '../../src/store/artifactStore';
import { reportCount, type BadInputCase } from '../unit/badInput/catalogue';
import { describeLeftover, listRunObjects } from '../support/leftovers';
import { tempDir, tempDirSync } from '../support/tempDir';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { startWorkerRun, type WorkerRun } from '../support/workerRun';
import { realClusterDeps } from '../support/activityDeps';

jest.setTimeout(600_000);

const suffix = Date.now().toString(36);
/** Short windows: these runs are about their input, not their samples. */
const SHORT = { durationSeconds: 6, intervalSeconds: 2, healthCheckSeconds: 6 };
let tb: Testbed;
let dir: string;
let configFile: string;
let run: WorkerRun;
let tried = 0;

beforeAll(async () => {
  tb = await ensureTestbed();
  dir = await tempDir('hardenlab-badinput-');
  configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, await goodConfig());
  run = await startWorkerRun({ dir, taskQueue: `badinput-${suffix}`, env: { ...process.env, HARDENLAB_CONFIG: configFile } });
});

afterAll(async () => {
  await run?.stop();
  reportCount('integration: workflow inputs, config file via the worker, kubeconfigs, SSH', tried);
});

async function execute(input: unknown, name: string): Promise<ExperimentResult> {
  return run.client.workflow.execute('securityExperiment', {
    taskQueue: run.temporal.taskQueue,
    workflowId: `bad-${name.replace(/[^A-Za-z0-9]+/g, '-')}-${suffix}`,
    args: [input as ExperimentInput],
    // Bounds every case: a hang fails the test instead of waiting forever.
    workflowExecutionTimeout: '5 minutes',
  });
}

async function expectInvalidInput(input: unknown, name: string, expected: RegExp[]): Promise<void> {
  tried++;
  const error = await execute(input, name).then(
    (result) => new Error(`workflow completed instead of failing: ${JSON.stringify(result).slice(0, 300)}`),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('InvalidInput');
  for (const pattern of expected) expect(cause!.message).toMatch(pattern);
}

/** Workflow inputs as typed into the UI's start form: each fails as InvalidInput naming the field. */
const workflowInputCases: BadInputCase<unknown>[] = [
  { name: 'input is a string', input: 'baseline', type: 'InvalidInput', expect: /\(input\): expected a JSON object, got string/ },
  {
    name: 'input is an array',
    input: [{ scenarios: ['baseline'] }],
    type: 'InvalidInput',
    expect: /\(input\): expected a JSON object, got an array/,
  },
  { name: 'input is a number', input: 42, type: 'InvalidInput', expect: /\(input\): expected a JSON object, got number/ },
  {
    name: 'duration as a string',
    input: { window: { durationSeconds: '20' } },
    type: 'InvalidInput',
    expect: /window\.durationSeconds: .*number/,
  },
  { name: 'scenarios not a list', input: { scenarios: 'baseline' }, type: 'InvalidInput', expect: /scenarios: .*array/ },
  {
    name: 'unknown scenario',
    input: { scenarios: ['baseline', 'chaos-monkey'] },
    type: 'InvalidInput',
    expect: /scenarios\.1: .*baseline/,
  },
  { name: 'empty scenario list', input: { scenarios: [] }, type: 'InvalidInput', expect: /scenarios: / },
  {
    name: 'scenario listed twice',
    input: { scenarios: ['baseline', 'baseline'] },
    type: 'InvalidInput',
    expect: /scenarios: lists a scenario twice/,
  },
  { name: 'negative duration', input: { window: { durationSeconds: -20 } }, type: 'InvalidInput', expect: /window\.durationSeconds: / },
  { name: 'zero interval', input: { window: { intervalSeconds: 0 } }, type: 'InvalidInput', expect: /window\.intervalSeconds: / },
  {
    name: 'absurd duration (a billion seconds)',
    input: { window: { durationSeconds: 1e9 } },
    type: 'InvalidInput',
    expect: /window\.durationSeconds: .*2592000/,
  },
  {
    name: 'fractional interval',
    input: { window: { durationSeconds: 20, intervalSeconds: 2.5 } },
    type: 'InvalidInput',
    expect: /window\.intervalSeconds: .*expected int/,
  },
  {
    name: 'interval larger than the window',
    input: { window: { durationSeconds: 20, intervalSeconds: 60 } },
    type: 'InvalidInput',
    expect: /window\.intervalSeconds: the sampling interval \(60 s\) is longer than the window \(20 s\)/,
  },
  { name: 'unknown provider', input: { cluster: { provider: 'gke' } }, type: 'InvalidInput', expect: /cluster\.provider: .*kubeconfig/ },
  {
    name: 'an environment field in the input (token sent elsewhere)',
    input: { cluster: { provider: 'linode', linode: { apiUrl: 'http://127.0.0.1:9/', tokenEnv: 'HOME' } } },
    type: 'InvalidInput',
    expect: /cluster\.linode\.apiUrl: belongs in the worker config .*cluster\.linode\.tokenEnv: belongs in the worker config/,
  },
  {
    name: 'an unknown environment name',
    input: { environment: 'prod' },
    type: 'InvalidInput',
    expect: /environment: unknown environment "prod": the worker config defines "no-node-map"/,
  },
  // Without a node map a kubeconfig means node access through the Kubernetes API, which this SSH worker does not give.
  {
    name: 'provider kubeconfig without a node map, on a worker that reaches nodes by SSH',
    input: { environment: 'no-node-map' },
    type: 'InvalidInput',
    expect:
      /environment: environment "no-node-map" reaches nodes by kubernetes \(its default without a node map\), but this worker/,
  },
  {
    name: 'provider kubeconfig with a missing kubeconfig file',
    input: { environment: 'missing-kubeconfig' },
    type: 'InvalidInput',
    expect: /cluster\.kubeconfigPath: no kubeconfig at \/nonexistent\/hardenlab\/kubeconfig/,
  },
  {
    name: 'node map file that does not validate',
    input: { environment: 'bad-node-map' },
    type: 'InvalidInput',
    expect: /nodeMapPath: .*nodes\.0\.port/,
  },
  {
    name: 'linode without a token',
    input: { environment: 'no-token' },
    type: 'InvalidInput',
    expect: /cluster\.linode\.tokenEnv: the worker has no environment variable HARDENLAB_NO_SUCH_TOKEN_VAR/,
  },
  {
    name: 'linode with no way to reach the nodes it creates',
    input: { environment: 'lke-no-ssh' },
    type: 'InvalidInput',
    expect: /cluster\.linode\.ssh: missing: how to reach the nodes LKE creates over SSH/,
  },
  {
    name: 'per-scenario clusters sampled through one fixed node map',
    input: { environment: 'lke-fixed-map', isolation: 'per-scenario' },
    type: 'InvalidInput',
    expect:
      /nodeMapPath: with isolation 'per-scenario' every scenario gets a cluster of its own, so a fixed node map would make all/,
  },
  {
    name: 'per-scenario isolation on the shared local cluster',
    input: { isolation: 'per-scenario' },
    type: 'InvalidInput',
    expect: /isolation: 'per-scenario' needs a provider that creates clusters/,
  },
  {
    name: 'unknown top-level field (typo)',
    input: { windw: { durationSeconds: 20 } },
    type: 'InvalidInput',
    expect: /\(input\): .*"windw"/,
  },
  { name: 'unknown nested field', input: { window: { durationSecs: 20 } }, type: 'InvalidInput', expect: /window: .*"durationSecs"/ },
  { name: 'window is null', input: { window: null }, type: 'InvalidInput', expect: /window: / },
  {
    name: 'scale-to below replicas',
    input: { workload: { replicas: 5, scaleTo: 2 } },
    type: 'InvalidInput',
    expect: /workload\.scaleTo: must be at least workload\.replicas/,
  },
  { name: 'port out of range', input: { workload: { port: 70000 } }, type: 'InvalidInput', expect: /workload\.port: / },
  { name: 'zero repetitions', input: { repetitions: 0 }, type: 'InvalidInput', expect: /repetitions: / },
  {
    name: 'unknown kube-hunter mode',
    input: { tools: { kubeHunter: { modes: ['remote', 'everything'] } } },
    type: 'InvalidInput',
    expect: /tools\.kubeHunter\.modes\.1: /,
  },
  {
    name: 'several bad fields at once (all named)',
    input: { window: { durationSeconds: -1 }, cluster: { provider: 'aws' }, repetitions: 'two' },
    type: 'InvalidInput',
    expect: /window\.durationSeconds: .*; .*(cluster\.provider|repetitions)/,
  },
];

/**
 * The worker's config: the test bed by default, and named environments (the worker's to define, the
 * input's to pick) for the broken set-ups the cases need.
 */
async function goodConfig(): Promise<string> {
  const badNodeMap = path.join(dir, 'bad-nodes.yaml');
  await fs.writeFile(badNodeMap, 'nodes:\n  - name: n1\n    host: 127.0.0.11\n    port: 99999\n');
  const [node] = (await loadNodeMap(tb.nodeMapPath)).nodes;
  const unknownHostKeyMap = path.join(dir, 'nodes-unknown-hostkey.yaml');
  await fs.writeFile(path.join(dir, 'known_hosts.none'), '');
  await fs.writeFile(unknownHostKeyMap, stringify({ nodes: [{ ...node, knownHostsPath: path.join(dir, 'known_hosts.none') }] }));
  return stringify({
    experiment: { cluster: { provider: 'local' } },
    environments: {
      'no-node-map': { cluster: { provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath } },
      'missing-kubeconfig': {
        cluster: { provider: 'kubeconfig', kubeconfigPath: '/nonexistent/hardenlab/kubeconfig' },
        nodeMapPath: tb.nodeMapPath,
      },
      'bad-node-map': { cluster: { provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath }, nodeMapPath: badNodeMap },
      'no-token': { cluster: { provider: 'linode', linode: { tokenEnv: 'HARDENLAB_NO_SUCH_TOKEN_VAR' } } },
      'lke-no-ssh': { cluster: { provider: 'linode', linode: { tokenEnv: 'HOME' } } },
      'lke-fixed-map': { cluster: { provider: 'linode', linode: { tokenEnv: 'HOME' } }, nodeMapPath: tb.nodeMapPath },
      'unknown-context': {
        cluster: { provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath, context: 'no-such-context' },
        nodeMapPath: tb.nodeMapPath,
      },
      'unknown-host-key': { cluster: { provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath }, nodeMapPath: unknownHostKeyMap },
    },
  });
}

describe('workflow inputs from the UI: InvalidInput naming the field', () => {
  test('the catalogue has at least 25 workflow input cases', () => expect(workflowInputCases.length).toBeGreaterThanOrEqual(25));
  test.each(workflowInputCases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    await expectInvalidInput(c.input, name, [c.expect]);
  });
});

describe("the worker's config file, read by the running worker", () => {
  const cases: BadInputCase<string>[] = [
    {
      name: 'config file with a YAML syntax error',
      input: 'experiment:\n  window: [1, 2\n',
      type: 'InvalidInput',
      expect: /config file .*config\.yaml: \(syntax\): .*line \d+/,
    },
    {
      name: 'config file with an unknown key',
      input: 'experiments: {}\n',
      type: 'InvalidInput',
      expect: /config file .*config\.yaml: \(root\): .*"experiments"/,
    },
    {
      name: 'config file defaults with a wrong type',
      input: 'experiment:\n  window:\n    durationSeconds: soon\n',
      type: 'InvalidInput',
      expect: /window\.durationSeconds: .*number/,
    },
  ];
  afterEach(async () => fs.writeFile(configFile, await goodConfig()));
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    await fs.writeFile(configFile, c.input);
    await expectInvalidInput({ scenarios: ['baseline'] }, name, [c.expect]);
  });
});

/** A copy of the test bed kubeconfig with `edit` applied to its text. */
async function kubeconfigVariant(name: string, edit: (text: string) => string): Promise<string> {
  const file = path.join(dir, `kubeconfig-${name}`);
  await fs.writeFile(file, edit(await fs.readFile(tb.kubeconfigPath, 'utf8')), { mode: 0o600 });
  return file;
}

interface ActivityCase {
  name: string;
  call: () => Promise<unknown>;
  /** The failure type (ApplicationFailure.type, or Error.name for a retryable error). */
  type: string;
  nonRetryable: boolean;
  /** The message, or how to build it from the test bed's first node address (its lane picks the address). */
  expect: RegExp | ((node: string) => RegExp);
}

/** The lane's test bed picks its node addresses, so messages naming a node are built once it is up. */
const naming = (make: (node: string) => string) => (node: string) => new RegExp(make(node.replace(/\./g, '\\.')));

async function expectActivityError(c: ActivityCase): Promise<void> {
  tried++;
  const error = await c.call().then(
    (value) => new Error(`succeeded instead of failing: ${JSON.stringify(value).slice(0, 200)}`),
    (err: unknown) => err as Error,
  );
  const type = error instanceof ApplicationFailure ? error.type : error.name;
  const pattern = typeof c.expect === 'function' ? c.expect(tb.instance.nodes[0]!.address) : c.expect;
  expect({ type, message: error.message }).toEqual({ type: c.type, message: expect.stringMatching(pattern) });
  expect(error instanceof ApplicationFailure && error.nonRetryable).toBe(c.nonRetryable);
}

describe('kubeconfigs: cluster activities against the test bed', () => {
  const cluster = createClusterActivities(realClusterDeps(process.env));
  const provision = (kubeconfigPath: string, context?: string) =>
    cluster.provisionCluster({
      runId: `badinput-${suffix}`,
      cluster: clusterSchema.parse({ provider: 'kubeconfig', kubeconfigPath, context }),
    });
  const cases: ActivityCase[] = [
    {
      name: 'missing kubeconfig file',
      call: () => provision('/nonexistent/kubeconfig'),
      type: 'KubeconfigMissing',
      nonRetryable: true,
      expect: /\/nonexistent\/kubeconfig/,
    },
    {
      name: 'kubeconfig that is not YAML',
      call: async () => provision(await kubeconfigVariant('garbage', () => 'clusters: [\n  {{{')),
      type: 'KubeconfigInvalid',
      nonRetryable: true,
      expect: /kubeconfig-garbage/,
    },
    {
      name: 'unknown context',
      call: () => provision(tb.kubeconfigPath, 'no-such-context'),
      type: 'KubeContextUnknown',
      nonRetryable: true,
      expect: /no-such-context/,
    },
    {
      name: 'unreachable server https://127.0.0.1:1 (retryable)',
      call: async () => provision(await kubeconfigVariant('unreachable', (t) => t.replace(/server: \S+/, 'server: https://127.0.0.1:1'))),
      type: 'KubeUnreachable',
      nonRetryable: false,
      expect: /https:\/\/127\.0\.0\.1:1/,
    },
  ];
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => expectActivityError(c));
});

describe("SSH: sampling activities against the test bed's node hosts", () => {
  const sampling = createSamplingActivities({
    loadNodeMap,
    ssh: new Ssh2Connector({ readyTimeoutMs: 20_000 }),
    store: new ArtifactStore(tempDirSync('hardenlab-badinput-store-')),
  });
  /** A one-node map for sim-node-1 with `change` applied. */
  async function nodeMapWith(name: string, change: Record<string, unknown>): Promise<string> {
    const [node] = (await loadNodeMap(tb.nodeMapPath)).nodes;
    const file = path.join(dir, `nodes-${name}.yaml`);
    await fs.writeFile(file, stringify({ nodes: [{ ...node, ...change }] }));
    return file;
  }
  const stop = async (map: Promise<string>) => sampling.stopSampling({ runId: `badinput-${suffix}`, nodeMapPath: await map });
  const cases: ActivityCase[] = [
    {
      name: 'wrong private key',
      call: async () => {
        const key = path.join(dir, 'wrong_ed25519');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
        return stop(nodeMapWith('wrong-key', { privateKeyPath: key }));
      },
      type: 'SshAuthFailed',
      nonRetryable: true,
      expect: naming((node) => `SSH authentication failed for root@${node}:22`),
    },
    {
      name: 'wrong user',
      call: () => stop(nodeMapWith('wrong-user', { user: 'nosuchuser' })),
      type: 'SshAuthFailed',
      nonRetryable: true,
      expect: naming((node) => `SSH authentication failed for nosuchuser@${node}:22`),
    },
    {
      name: 'unknown host key (empty known_hosts)',
      call: async () => {
        await fs.writeFile(path.join(dir, 'known_hosts.empty'), '');
        return stop(nodeMapWith('unknown-host', { knownHostsPath: path.join(dir, 'known_hosts.empty') }));
      },
      type: 'HostKeyUnknown',
      nonRetryable: true,
      expect: naming((node) => `host key of root@${node}:22 is unknown: ssh-ed25519 SHA256:\\S+ is not in .*known_hosts\\.empty`),
    },
    {
      name: 'changed host key (known_hosts holds another key)',
      call: async () => {
        const other = (await fs.readFile(path.resolve(__dirname, '../fixtures/ssh/key-a.pub'), 'utf8'))
          .trim()
          .split(/\s+/)
          .slice(0, 2)
          .join(' ');
        await fs.writeFile(path.join(dir, 'known_hosts.other'), `${tb.instance.nodes[0]!.address} ${other}\n`);
        return stop(nodeMapWith('changed-host', { knownHostsPath: path.join(dir, 'known_hosts.other') }));
      },
      type: 'HostKeyChanged',
      nonRetryable: true,
      expect: naming((node) => `host key of root@${node}:22 CHANGED`),
    },
    {
      name: 'private key file missing',
      call: () => stop(nodeMapWith('no-key', { privateKeyPath: path.join(dir, 'absent_key') })),
      type: 'SshKeyUnreadable',
      nonRetryable: true,
      expect: /absent_key/,
    },
  ];
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => expectActivityError(c));
});

describe('through the worker: a bad cluster or node setting aborts the scenario with the cause, and nothing is left', () => {
  async function expectAborted(name: string, input: ExperimentInput, expected: RegExp): Promise<void> {
    tried++;
    const result = await execute(input, name);
    const [scenario] = result.scenarios;
    expect(result.partial).toBe(true);
    expect(scenario?.status).toBe('aborted');
    expect(scenario?.error).toMatch(expected);
    const leftovers = await listRunObjects(tb.kubeconfigPath, runIdFor(scenario!.workflowId));
    expect(leftovers.map(describeLeftover)).toEqual([]);
  }
  test('unknown kube context', async () => {
    await expectAborted(
      'worker-unknown-context',
      { environment: 'unknown-context', scenarios: ['baseline'], window: SHORT, operatorTimeoutSeconds: 2 },
      /no-such-context/,
    );
  });
  test('unknown SSH host key of a node (after deploy: reset still removes the workload)', async () => {
    await expectAborted(
      'worker-unknown-hostkey',
      {
        environment: 'unknown-host-key',
        scenarios: ['baseline'],
        window: SHORT,
        workload: { loadBalancerWaitSeconds: 5 },
        operatorTimeoutSeconds: 2,
      },
      naming((node) => `host key of root@${node}:22 is unknown`)(tb.instance.nodes[0]!.address),
    );
  });
});

describe('afterwards the same worker still serves', () => {
  test('a good short workflow completes, and leaves nothing on the cluster', async () => {
    const result = await execute({ scenarios: ['baseline'], window: SHORT, workload: { loadBalancerWaitSeconds: 5 } }, 'good-after-bad');
    expect(result.scenarios.map((s) => [s.scenario, s.status, s.error])).toEqual([['baseline', 'completed', undefined]]);
    expect(result.partial).toBe(false);
    expect(run.worker.getState()).toBe('RUNNING');
    const leftovers = await listRunObjects(tb.kubeconfigPath, runIdFor(result.scenarios[0]!.workflowId));
    expect(leftovers.map(describeLeftover)).toEqual([]);
  });
});

// Last in the file: the README's Reliability section counts these (43 here + 33 in test/unit/badInput = 76).
test('at least 43 bad inputs were tried on the real components', () => expect(tried).toBeGreaterThanOrEqual(43));
