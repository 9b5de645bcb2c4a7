import { validateExperiment, type ExperimentConfig } from '../../../src/config/experiment';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_ACCESS_IMAGE,
  namedEnvironmentAccessProblem,
  nodeAccessOf,
  TESTBED_ACCESS_IMAGE,
  testbedAccessImage,
} from '../../../src/config/nodeAccess';
import { resolveExperimentConfig } from '../../../src/scenarios/resolveExperiment';
import { tempDirSync } from '../../support/tempDir';

const PINNED = `r.example/bb@sha256:${'ab'.repeat(32)}`;

function config(input: unknown): ExperimentConfig {
  const result = validateExperiment(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

describe('nodeAccess: which transport reaches the nodes', () => {
  test('defaults to kubernetes for a kubeconfig without a node map, else to ssh (node map, test bed, Linode)', () => {
    expect(nodeAccessOf(config({ nodeMapPath: '/etc/nodes.yaml' }))).toEqual({ access: 'ssh', why: 'the default with a node map' });
    expect(nodeAccessOf(config({ cluster: { provider: 'linode', linode: { ssh: { user: 'root' } } } })).access).toBe('ssh');
    // Linode without ssh stays ssh, so its own check asks for cluster.linode.ssh; the test bed has sshd on its nodes.
    expect(nodeAccessOf(config({ cluster: { provider: 'linode' } }))).toEqual({
      access: 'ssh',
      why: 'the default with cluster.provider linode',
    });
    expect(nodeAccessOf(config({ cluster: { provider: 'local' } }))).toEqual({
      access: 'ssh',
      why: 'the default with cluster.provider local',
    });
    expect(nodeAccessOf(config({}))).toEqual({
      access: 'kubernetes',
      why: 'the default with a kubeconfig and no node map',
      image: DEFAULT_ACCESS_IMAGE,
      tolerations: [],
    });
  });

  test('the worker config may choose either; the test bed gets its own image, any other cluster the configured one', () => {
    expect(nodeAccessOf(config({ nodeMapPath: '/n', nodeAccess: 'kubernetes', cluster: { provider: 'local' } }))).toEqual({
      access: 'kubernetes',
      why: 'nodeAccess: kubernetes in the worker config',
      image: TESTBED_ACCESS_IMAGE,
      tolerations: [],
    });
    expect(nodeAccessOf(config({ nodeAccess: 'kubernetes', nodeAccessImage: PINNED })).image).toBe(
      PINNED,
    );
    expect(nodeAccessOf(config({ nodeAccess: 'ssh' })).access).toBe('ssh');
    expect(nodeAccessOf(config({ nodeAccess: 'kubernetes', nodeAccessTolerations: ['dedicated'] })).tolerations).toEqual(['dedicated']);
    expect(validateExperiment({ nodeAccess: 'telnet' })).toMatchObject({ ok: false, errors: [{ field: 'nodeAccess' }] });
  });

  test('the access image must be pinned by digest, the test bed\'s own too', () => {
    expect(DEFAULT_ACCESS_IMAGE).toMatch(/@sha256:[0-9a-f]{64}$/);
    for (const image of ['busybox:1.36', 'r.example/bb@sha256:1', `r.example/bb@sha256:${'AB'.repeat(32)}`, 'r.example/bb:1 @sha256:x']) {
      expect(validateExperiment({ nodeAccessImage: image })).toMatchObject({
        ok: false,
        errors: [{ field: 'nodeAccessImage', message: expect.stringContaining('not pinned by digest') }],
      });
    }
    expect(validateExperiment({ nodeAccessImage: PINNED }).ok).toBe(true);
    // The test bed's own image is served by its registry like any other: a worker there pins it by the digest (below).
    expect(validateExperiment({ nodeAccessImage: TESTBED_ACCESS_IMAGE }).ok).toBe(false);
    const emptyKey = validateExperiment({ nodeAccessTolerations: [''] });
    expect(emptyKey).toMatchObject({ ok: false, errors: [{ field: 'nodeAccessTolerations.0' }] });
  });

  test("on the test bed, the access image is pinned by the digest its registry recorded, and absent without one", () => {
    const bed = tempDirSync('hardenlab-sim-');
    expect(testbedAccessImage(bed)).toBeUndefined();
    const digests = path.join(bed, 'real', 'registry', 'digests');
    fs.mkdirSync(digests, { recursive: true });
    fs.writeFileSync(path.join(digests, 'hardenlab_node-access_1'), `sha256:${'cd'.repeat(32)}\n`);
    expect(testbedAccessImage(bed)).toBe(`docker.io/hardenlab/node-access@sha256:${'cd'.repeat(32)}`);
    expect(validateExperiment({ nodeAccessImage: testbedAccessImage(bed) }).ok).toBe(true);
    fs.writeFileSync(path.join(digests, 'hardenlab_node-access_1'), 'latest\n');
    expect(testbedAccessImage(bed)).toBeUndefined();
  });

  test("a named environment may not switch the worker's one node transport, nor its cluster under kubernetes access", () => {
    expect(namedEnvironmentAccessProblem({ nodeMapPath: '/m.yaml' }, { cluster: { provider: 'local' } }, 'lab')).toBeUndefined();
    expect(namedEnvironmentAccessProblem({ nodeMapPath: '/m.yaml' }, { nodeAccess: 'kubernetes' }, 'lab')).toMatch(
      /environment "lab" sets nodeAccess kubernetes, but this worker reaches nodes by ssh/,
    );
    // Defaults count: a kubeconfig without a node map is kubernetes access, the test bed ssh.
    expect(namedEnvironmentAccessProblem({}, { cluster: { provider: 'local' } }, 'lab')).toMatch(
      /environment "lab" reaches nodes by ssh \(its default\), but this worker reaches nodes by kubernetes/,
    );
    expect(namedEnvironmentAccessProblem({ cluster: { provider: 'local' } }, { cluster: { provider: 'kubeconfig' } }, 'lab')).toMatch(
      /environment "lab" reaches nodes by kubernetes \(its default without a node map\), but this worker reaches nodes by ssh/,
    );
    expect(namedEnvironmentAccessProblem({ nodeAccess: 'kubernetes' }, { cluster: { context: 'other' } }, 'lab')).toMatch(
      /names a cluster/,
    );
    expect(namedEnvironmentAccessProblem({ nodeAccess: 'kubernetes' }, { repetitions: 2 }, 'lab')).toBeUndefined();
  });

  test('resolve refuses such an environment naming the field; without a node map kubernetes access is the default', async () => {
    const worker = {
      config: {
        temporal: {} as never,
        experiment: { nodeAccess: 'kubernetes' },
        environments: { lab: { cluster: { provider: 'local' } } },
      },
    };
    const picked = await resolveExperimentConfig({ environment: 'lab' }, { env: {}, worker });
    expect(picked.ok).toBe(false);
    expect(!picked.ok && picked.errors.find((e) => e.field === 'environment')?.message).toMatch(
      /through the Kubernetes API of its experiment: cluster only/,
    );
    const env = { KUBECONFIG: '/nonexistent/kubeconfig' };
    const explicit = await resolveExperimentConfig({}, { env, worker });
    expect(!explicit.ok && explicit.errors.map((e) => e.field)).toEqual(['cluster.kubeconfigPath']);
    // The default without a node map is kubernetes access: `{}` against a kubeconfig alone asks for nothing more.
    const byDefault = await resolveExperimentConfig({}, { env, worker: { config: { ...worker.config, experiment: {} } } });
    expect(!byDefault.ok && byDefault.errors.map((e) => e.field)).toEqual(['cluster.kubeconfigPath']);
    // Only `nodeAccess: ssh` without a node map still asks for one.
    const sshOnly = await resolveExperimentConfig({}, { env, worker: { config: { ...worker.config, experiment: { nodeAccess: 'ssh' } } } });
    expect(!sshOnly.ok && sshOnly.errors.find((e) => e.field === 'nodeMapPath')?.message).toMatch(/^missing: the node map/);
  });
});
