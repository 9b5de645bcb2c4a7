/**
 * The policy engine as this worker installs it (the policy-engine pack): Gatekeeper's image, pinned by digest, and
 * upstream's install manifest of the same version (its CRDs and RBAC). Only the worker's side decides these, never a
 * workflow input: the engine's pod holds a cluster-wide read role and answers the API server's admission calls.
 */
import type { ClusterRef } from '../domain/contracts';

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
