/**
 * Where the worker sends the HTTP load from (worker/loadSource.ts): itself unless its config says pod; a load pod's
 * image is the config's (pinned by digest) or, on the test bed, the one its registry served, by the digest it recorded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultHttpLoadSource } from '../../../worker/loadSource';
import { tempDirSync } from '../../support/tempDir';

const PINNED = `registry.example/vegeta@sha256:${'b'.repeat(64)}`;
const versions = { vegeta: 'v12.13.0' };
const remote = { provider: 'kubeconfig' as const, kubeconfigPath: '/etc/hardenlab/cluster.kubeconfig' };
const local = { provider: 'local' as const, kubeconfigPath: '/x/kubeconfig' };

describe('the HTTP load source', () => {
  it('is the worker without a load setting or with httpFrom worker, on any cluster', () => {
    const env = { HARDENLAB_HOME: tempDirSync('hardenlab-loadsrc-') };
    expect(defaultHttpLoadSource(env, undefined, versions)(remote)).toEqual({ from: 'worker' });
    expect(defaultHttpLoadSource(env, { httpFrom: 'worker', image: PINNED }, versions)(local)).toEqual({ from: 'worker' });
  });

  it("is a load pod with the configured image anywhere, and without one off the test bed says what to set", () => {
    const env = { HARDENLAB_HOME: tempDirSync('hardenlab-loadsrc-') };
    expect(defaultHttpLoadSource(env, { httpFrom: 'pod', image: PINNED }, versions)(remote)).toEqual({ from: 'pod', image: PINNED });
    expect(defaultHttpLoadSource(env, { httpFrom: 'pod' }, versions)(remote)).toEqual({
      unavailable: 'no load pod image: set load.image in the worker config (vegeta v12.13.0, pinned by digest)',
    });
  });

  it("on the test bed is the image its registry served, pinned by the recorded digest; before any push, why not", () => {
    const home = tempDirSync('hardenlab-loadsrc-');
    const source = defaultHttpLoadSource({ HARDENLAB_HOME: home }, { httpFrom: 'pod' }, versions);
    expect(source(local)).toEqual({
      unavailable:
        "the test bed's registry has not served docker.io/hardenlab/vegeta:v12.13.0 (start the bed with real nodes: " +
        'hardenlab testbed up --nodes real)',
    });
    const digests = path.join(home, 'sim', 'real', 'registry', 'digests');
    fs.mkdirSync(digests, { recursive: true });
    fs.writeFileSync(path.join(digests, 'hardenlab_vegeta_v12.13.0'), `sha256:${'c'.repeat(64)}\n`);
    expect(source(local)).toEqual({ from: 'pod', image: `docker.io/hardenlab/vegeta@sha256:${'c'.repeat(64)}` });
  });
});
