/**
 * The policy engine as this worker installs it (the policy-engine pack): Gatekeeper's image, pinned by digest, and
 * upstream's install manifest of the same version (its CRDs and RBAC). Only the worker's side decides these, never a
 * workflow input: the engine's pod holds a cluster-wide read role and answers the API server's admission calls.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterRef } from '../domain/contracts';
import { readToolVersions, type ToolVersions } from '../tools/install';
import { testbedServedImage } from './nodeAccess';
import { cacheDir, hardenlabHome } from './paths';

/** How the API server reaches the engine's webhook: its Service, or (the test bed) a load-balancer address on loopback. */
export type WebhookRoute = 'service' | 'load-balancer';

export interface PolicyEngineSetup {
  /** Gatekeeper's manager image, `<name>@sha256:<digest>`. */
  image: string;
  /** upstream's deploy/gatekeeper.yaml of the image's version (scripts/tools/build-gatekeeper.sh keeps it). */
  installManifest: string;
  version: string;
  webhookRoute: WebhookRoute;
}

/** The worker's engine for a cluster, or why it has none (the harden step fails with that reason). */
export type PolicyEngineSource = (cluster: ClusterRef) => PolicyEngineSetup | { unavailable: string };

/** The image build-engine-images.sh makes and the test bed's registry serves. */
export function testbedGatekeeperImage(version: string): string {
  return `docker.io/hardenlab/gatekeeper:${version}`;
}

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
