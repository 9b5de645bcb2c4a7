/**
 * Which policy engine the worker installs where (worker/engineSource.ts): the test bed's served image, or on any other
 * cluster the image the worker config names, pinned by digest; never one a workflow input names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigFileError, loadWorkerConfig } from '../../../src/config/workerConfig';
import { defaultPolicyEngine } from '../../../worker/engineSource';
import { tempDirSync } from '../../support/tempDir';

const PINNED = `registry.example/gatekeeper@sha256:${'a'.repeat(64)}`;
const versions = { gatekeeper: 'v3.23.1' } as Parameters<typeof defaultPolicyEngine>[2];
const remote = { provider: 'kubeconfig' as const, kubeconfigPath: '/etc/hardenlab/cluster.kubeconfig' };

/** A cache folder with (or without) the install manifest build-gatekeeper.sh keeps. */
function cacheWith(manifest: boolean): NodeJS.ProcessEnv {
  const cache = tempDirSync('hardenlab-engine-cache-');
  const dir = path.join(cache, 'bin', 'gatekeeper-v3.23.1');
  fs.mkdirSync(dir, { recursive: true });
  if (manifest) fs.writeFileSync(path.join(dir, 'gatekeeper.yaml'), 'kind: Namespace\n');
  return { HARDENLAB_CACHE: cache, HARDENLAB_HOME: tempDirSync('hardenlab-engine-home-') };
}

describe('the policy engine off the test bed', () => {
  it('is the configured image, pinned by digest, reached through its Service', () => {
    const env = cacheWith(true);
    expect(defaultPolicyEngine(env, { image: PINNED }, versions)(remote)).toEqual({
      image: PINNED,
      installManifest: path.join(env.HARDENLAB_CACHE!, 'bin', 'gatekeeper-v3.23.1', 'gatekeeper.yaml'),
      version: 'v3.23.1',
      webhookRoute: 'service',
    });
  });

  it('is unavailable without a configured image, naming the setting and the version to pin', () => {
    expect(defaultPolicyEngine(cacheWith(true), undefined, versions)(remote)).toEqual({
      unavailable:
        'no policy engine image for clusters other than the test bed: set policyEngine.image in the worker config ' +
        "(Gatekeeper v3.23.1's manager image, pinned by digest)",
    });
  });

  it('is unavailable without the install manifest of its version, naming the build script', () => {
    const source = defaultPolicyEngine(cacheWith(false), { image: PINNED }, versions)(remote);
    const message = /^no Gatekeeper install manifest at .*gatekeeper\.yaml \(run scripts\/tools\/build-gatekeeper\.sh\)$/;
    expect(source).toEqual({ unavailable: expect.stringMatching(message) });
  });

  it('on the test bed stays the image its registry served, not the configured one', () => {
    const source = defaultPolicyEngine(cacheWith(true), { image: PINNED }, versions)({ provider: 'local', kubeconfigPath: '/k' });
    const message = "the test bed's registry has not served docker.io/hardenlab/gatekeeper:v3.23.1";
    expect(source).toEqual({ unavailable: expect.stringContaining(message) });
  });
});

describe('policyEngine.image in the worker config', () => {
  const load = async (text: string) => {
    const file = path.join(tempDirSync('hardenlab-engine-config-'), 'config.yaml');
    fs.writeFileSync(file, text);
    return loadWorkerConfig({ HARDENLAB_CONFIG: file });
  };

  it('is read when pinned by digest', async () => {
    expect((await load(`policyEngine:\n  image: ${PINNED}\n`)).config.policyEngine).toEqual({ image: PINNED });
  });

  it('refuses a tag, naming the field and why', async () => {
    const loading = load('policyEngine:\n  image: openpolicyagent/gatekeeper:v3.23.1\n');
    await expect(loading).rejects.toBeInstanceOf(ConfigFileError);
    await expect(loading).rejects.toThrow(
      'policyEngine.image: openpolicyagent/gatekeeper:v3.23.1 is not pinned by digest: the engine answers every admission call',
    );
  });
});
