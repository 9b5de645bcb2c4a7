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

/**
 * The worker's default: on the test bed (provider local), the image its registry serves, pinned by the digest it
 * recorded, reached through the bed's load balancer (the API server runs outside the nodes' network). Elsewhere this
 * release has no image to pin, so the engine is unavailable there.
 */
export function defaultPolicyEngine(env: NodeJS.ProcessEnv, versions: ToolVersions = readToolVersions()): PolicyEngineSource {
  return (cluster) => {
    const installManifest = path.join(cacheDir(env), 'bin', `gatekeeper-${versions.gatekeeper}`, 'gatekeeper.yaml');
    if (cluster.provider !== 'local')
      return { unavailable: `the policy engine runs on the test bed only in this release (its image is served by the bed's registry)` };
    const name = testbedGatekeeperImage(versions.gatekeeper);
    const image = testbedServedImage(path.join(hardenlabHome(env), 'sim'), name);
    if (!image)
      return {
        unavailable:
          `the test bed's registry has not served ${name} (start the bed with real nodes: ` +
          `hardenlab sim up --nodes real; the policy engine needs nodes that run pods)`,
      };
    if (!fs.existsSync(installManifest))
      return { unavailable: `no Gatekeeper install manifest at ${installManifest} (run scripts/tools/build-gatekeeper.sh)` };
    return { image, installManifest, version: versions.gatekeeper, webhookRoute: 'load-balancer' };
  };
}
