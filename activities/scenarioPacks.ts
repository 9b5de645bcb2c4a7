/**
 * Scenarios as data: the harden step that applies a scenario's packs, and the attack battery after the
 * window. The packs come from the experiment's recorded definitions (its artifacts), checked by digest, so
 * what a run applies is what its report lists, even if the config folder changed since.
 */
import type { ApplyPacksRequest, AttackBatteryRequest, AttackBatteryResult, ClusterRef, PacksResult } from '../src/domain/contracts';
import { SCENARIO_DEFINITIONS_FILE } from '../src/domain/scenarios';
import { runAttackBattery as runBattery } from '../src/kube/battery';
import { applyPacks as runApplyPacks, type EngineChoice } from '../src/scenarios/applyPacks';
import type { PolicyEngineSource } from '../src/config/policyEngine';
import type { KubeClient } from '../src/kube/kubeObjects';
import type { LoadedPack } from '../src/scenarios/packs';
import type { ArtifactStore } from '../src/store/artifactStore';

export interface ScenarioActivityDeps {
  store: ArtifactStore;
  kube: (ref: ClusterRef) => Promise<KubeClient>;
  /** Opens the cluster as another user (impersonation: the kubeconfig's user with Impersonate-User). */
  kubeAs: (ref: ClusterRef, user: string) => Promise<KubeClient>;
  /** The policy engine this worker installs for the policy-engine pack (src/config/policyEngine.ts); none without it. */
  policyEngine?: PolicyEngineSource;
  /** The bound on the engine's install, until its last constraint denies. Default 5 min. */
  engineReadyTimeoutMs?: number;
  /** Where the engine's certificates are made (a private folder inside it, removed after). */
  workerTempDir?: string;
}

export function createScenarioActivities(deps: ScenarioActivityDeps) {
  const { kube, kubeAs } = deps;

  async function applyPacks(req: ApplyPacksRequest): Promise<PacksResult> {
    const { packs } = await deps.store.readJson<{ packs: LoadedPack[] }>(req.definitionsKey, SCENARIO_DEFINITIONS_FILE);
    const source = deps.policyEngine?.(req.cluster);
    const engine: EngineChoice | undefined =
      source && 'unavailable' in source
        ? source
        : source && { setup: source, readyTimeoutMs: deps.engineReadyTimeoutMs ?? 5 * 60_000, tempDir: deps.workerTempDir };
    return runApplyPacks(await kube(req.cluster), req, packs, engine);
  }

  async function runAttackBattery(req: AttackBatteryRequest): Promise<AttackBatteryResult> {
    return runBattery(await kube(req.cluster), await kubeAs(req.cluster, req.hardening.rbacUser), req);
  }

  return { applyPacks, runAttackBattery };
}
