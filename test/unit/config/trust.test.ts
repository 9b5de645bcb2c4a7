import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createConfigActivities } from '../../../activities/config';
import { repoRoot } from '../../../src/config/paths';
import { resolveExperimentConfig } from '../../../src/scenarios/resolveExperiment';
import { ENVIRONMENT_FIELDS, environmentFieldsSetIn } from '../../../src/config/trust';
import { ArtifactStore } from '../../../src/store/artifactStore';

/** The example: an input that would send the worker's $HOME as a bearer token to a host of its choosing. */
const ATTACK = { cluster: { provider: 'linode', linode: { apiUrl: 'http://127.0.0.1:9/', tokenEnv: 'HOME' } } };

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hl-trust-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function workerWith(config: unknown): Promise<ReturnType<typeof createConfigActivities>> {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await fs.writeFile(file, stringify(config));
  return createConfigActivities({
    env: { HARDENLAB_CONFIG: file, HARDENLAB_HOME: dir, HOME: '/home/worker' },
    store: new ArtifactStore(dir),
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('resolved instead of failing'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('the trust split: the workflow input carries design, the worker config the environment', () => {
  test("the issue's input fails at once, non-retryably, naming each environment field it sets", async () => {
    const worker = await workerWith({ experiment: {} });
    const failure = await failureOf(worker.resolveExperiment({ input: ATTACK, workflowId: 'w' }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    for (const field of ['cluster.provider', 'cluster.linode.apiUrl', 'cluster.linode.tokenEnv']) {
      expect(failure.message).toMatch(
        new RegExp(`${field.replace(/\./g, '\\.')}: belongs in the worker config \\(.*config-\\w+\\.yaml\\), not in the workflow input`),
      );
    }
  });

  test('the same values in the worker config resolve', async () => {
    // With the SSH access a complete Linode environment has (the node maps are derived from it).
    const worker = await workerWith({
      experiment: { cluster: { ...ATTACK.cluster, linode: { ...ATTACK.cluster.linode, ssh: { user: 'sampler' } } } },
    });
    const resolved = await worker.resolveExperiment({ input: { scenarios: ['baseline'] }, workflowId: 'w' });
    expect(resolved.config.cluster.linode).toMatchObject({ apiUrl: 'http://127.0.0.1:9/', tokenEnv: 'HOME', region: 'eu-central' });
    expect(resolved.config.scenarios).toEqual(['baseline']);
  });

  test.each(ENVIRONMENT_FIELDS.map((f) => f.field))('%s in the input is refused', async (field) => {
    const input: Record<string, unknown> = {};
    let holder = input;
    const keys = field.split('.');
    for (const key of keys.slice(0, -1)) holder = (holder[key] = {}) as Record<string, unknown>;
    holder[keys.at(-1)!] = field.endsWith('active') ? true : 'x';
    expect(environmentFieldsSetIn(input).map((f) => f.field)).toEqual([field]);
    const result = await resolveExperimentConfig(input, {
      env: {},
      worker: { config: { temporal: {} as never, experiment: {}, environments: {} } },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field)).toContain(field);
  });

  test('design fields stay the input’s, over the worker config’s defaults', async () => {
    const worker = await workerWith({
      experiment: { cluster: { provider: 'local' }, repetitions: 2, tools: { kubeHunter: { subnetProbes: { allowed: true } } } },
    });
    const input = {
      repetitions: 3,
      seed: 7,
      window: { durationSeconds: 60, intervalSeconds: 5 },
      cluster: { linode: { region: 'us-east', nodeCount: 2 } },
      tools: { kubeHunter: { modes: ['pod'] } },
    };
    const { config } = await worker.resolveExperiment({ input, workflowId: 'w' });
    expect(config).toMatchObject({
      repetitions: 3,
      seed: 7,
      cluster: { provider: 'local', linode: { region: 'us-east', nodeCount: 2 } },
      tools: { kubeHunter: { modes: ['pod'] } },
    });
  });

  test("subnet-probing kube-hunter modes are the input's to pick only where the worker config allows them", async () => {
    const closed = await workerWith({ experiment: { cluster: { provider: 'local' } } });
    const failure = await failureOf(
      closed.resolveExperiment({ input: { tools: { kubeHunter: { modes: ['remote', 'interface', 'pod'] } } }, workflowId: 'w' }),
    );
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain(
      "tools.kubeHunter.modes: interface and pod probe whole subnets, and the worker's config does not allow that",
    );
    // Remote mode needs no permission, and a disabled kube-hunter probes nothing.
    await expect(
      closed.resolveExperiment({ input: { tools: { kubeHunter: { modes: ['remote'] } } }, workflowId: 'w' }),
    ).resolves.toBeDefined();
    await expect(
      closed.resolveExperiment({ input: { tools: { kubeHunter: { enabled: false, modes: ['pod'] } } }, workflowId: 'w' }),
    ).resolves.toBeDefined();
  });

  test('the input picks a named environment; it replaces the top-level environment, design defaults stay', async () => {
    const kubeconfig = path.join(dir, 'lab-kubeconfig');
    const nodes = path.join(dir, 'lab-nodes.yaml');
    await fs.writeFile(kubeconfig, 'apiVersion: v1\n');
    await fs.writeFile(nodes, stringify({ nodes: [{ name: 'n1', host: '127.0.0.11' }] }));
    const worker = await workerWith({
      experiment: { cluster: { provider: 'local' }, repetitions: 2 },
      environments: {
        lab: { cluster: { provider: 'kubeconfig', kubeconfigPath: kubeconfig, context: 'lab' }, nodeMapPath: nodes },
        lke: { cluster: { provider: 'linode', linode: { tokenEnv: 'HOME', ssh: { user: 'sampler' } } } },
      },
    });
    const lab = await worker.resolveExperiment({ input: { environment: 'lab' }, workflowId: 'w' });
    expect(lab.config).toMatchObject({
      repetitions: 2,
      cluster: { provider: 'kubeconfig', kubeconfigPath: kubeconfig, context: 'lab' },
      nodeMapPath: nodes,
    });
    expect(lab.config).not.toHaveProperty('environment');
    const lke = await worker.resolveExperiment({ input: { environment: 'lke' }, workflowId: 'w' });
    expect(lke.config.cluster).toMatchObject({ provider: 'linode', linode: { tokenEnv: 'HOME' } });
    const top = await worker.resolveExperiment({ input: {}, workflowId: 'w' });
    expect(top.config.cluster.provider).toBe('local');
  });

  test('an unknown environment fails listing the known names', async () => {
    const worker = await workerWith({ environments: { lab: {}, lke: {} } });
    const failure = await failureOf(worker.resolveExperiment({ input: { environment: 'prod' }, workflowId: 'w' }));
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('environment: unknown environment "prod": the worker config defines "lab", "lke"');
    const none = await failureOf((await workerWith({})).resolveExperiment({ input: { environment: 'lab' }, workflowId: 'w' }));
    expect(none.message).toContain('the worker config defines no environments');
  });

  test("the README's Configuration table marks exactly these fields as environment", async () => {
    const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### The node map'));
    const rows = [...table.matchAll(/^\| `([^`]+)` \|[^|]*\| (design|environment) \|/gm)].map((m) => ({ field: m[1]!, side: m[2]! }));
    expect(rows.length).toBeGreaterThan(20);
    expect(
      rows
        .filter((r) => r.side === 'environment')
        .map((r) => r.field)
        .sort(),
    ).toEqual(ENVIRONMENT_FIELDS.map((f) => f.field).sort());
  });
});
