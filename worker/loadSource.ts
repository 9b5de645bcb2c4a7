/**
 * The composition root's HTTP load source (issue 27): where the worker sends a design's HTTP load from. Reads the
 * worker config's `load`, the tools' versions and the test bed's recorded digests, so it lives at the root.
 */
import * as path from 'node:path';
import type { HttpLoadSource } from '../src/config/loadDesign';
import { testbedServedImage } from '../src/config/nodeAccess';
import { hardenlabHome } from '../src/config/paths';
import type { WorkerConfig } from '../src/config/workerConfig';
import { readToolVersions, type ToolVersions } from '../src/tools/install';

/** The image build-load-images.sh makes and the real-node test bed's registry serves. */
export function testbedLoadImage(version: string): string {
  return `docker.io/hardenlab/vegeta:${version}`;
}

/**
 * `load.httpFrom: worker` (the default): the worker itself. `pod`: a load pod whose image is the worker config's
 * `load.image` (pinned by digest) or, on the test bed (provider local) without one, the image its registry serves, pinned
 * by the digest it recorded. Without either the load is not sent, and the step says why.
 */
export function defaultHttpLoadSource(
  env: NodeJS.ProcessEnv,
  configured: WorkerConfig['load'],
  versions: Pick<ToolVersions, 'vegeta'> = readToolVersions(),
): HttpLoadSource {
  return (cluster) => {
    if (configured?.httpFrom !== 'pod') return { from: 'worker' };
    if (configured.image) return { from: 'pod', image: configured.image };
    if (cluster.provider !== 'local')
      return { unavailable: `no load pod image: set load.image in the worker config (vegeta ${versions.vegeta}, pinned by digest)` };
    const name = testbedLoadImage(versions.vegeta);
    const image = testbedServedImage(path.join(hardenlabHome(env), 'sim'), name);
    if (!image)
      return {
        unavailable: `the test bed's registry has not served ${name} (start the bed with real nodes: hardenlab testbed up --nodes real)`,
      };
    return { from: 'pod', image };
  };
}
