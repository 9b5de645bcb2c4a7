/**
 * The composition root's policy engine (the policy-engine pack): what the worker installs on a cluster, or why it
 * cannot. Reads the tools' versions, the build cache and the test bed's recorded digests, so it lives at the root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { testbedServedImage } from '../src/config/nodeAccess';
import { cacheDir, hardenlabHome } from '../src/config/paths';
import { testbedGatekeeperImage, type PolicyEngineSource } from '../src/config/policyEngine';
import { readToolVersions, type ToolVersions } from '../src/tools/install';
import type { WorkerConfig } from '../src/config/workerConfig';

/**
 * The worker's default: on the test bed (provider local), the image its registry serves, pinned by the digest it
 * recorded, reached through the bed's load balancer (the API server runs outside the nodes' network). Elsewhere the
 * image the worker config names (`policyEngine.image`, pinned by digest), reached through its Service as any
 * webhook is; without one the engine is unavailable there, and the harden step says so.
 */
export function defaultPolicyEngine(
  env: NodeJS.ProcessEnv,
  configured: WorkerConfig['policyEngine'],
  versions: ToolVersions = readToolVersions(),
): PolicyEngineSource {
  return (cluster) => {
    const installManifest = path.join(cacheDir(env), 'bin', `gatekeeper-${versions.gatekeeper}`, 'gatekeeper.yaml');
    const manifestMissing = () =>
      fs.existsSync(installManifest)
        ? undefined
        : { unavailable: `no Gatekeeper install manifest at ${installManifest} (run scripts/tools/build-gatekeeper.sh)` };
    if (cluster.provider !== 'local') {
      if (!configured)
        return {
          unavailable:
            `no policy engine image for clusters other than the test bed: set policyEngine.image in the worker config ` +
            `(Gatekeeper ${versions.gatekeeper}'s manager image, pinned by digest)`,
        };
      return manifestMissing() ?? { image: configured.image, installManifest, version: versions.gatekeeper, webhookRoute: 'service' };
    }
    const name = testbedGatekeeperImage(versions.gatekeeper);
    const image = testbedServedImage(path.join(hardenlabHome(env), 'sim'), name);
    if (!image)
      return {
        unavailable:
          `the test bed's registry has not served ${name} (start the bed with real nodes: ` +
          `hardenlab testbed up --nodes real; the policy engine needs nodes that run pods)`,
      };
    return manifestMissing() ?? { image, installManifest, version: versions.gatekeeper, webhookRoute: 'load-balancer' };
  };
}
