/**
 * The harden step of a scenario as data: applies its packs' manifests (server-side apply, the run's
 * labels) and gathers evidence that they took effect: every object read back, and for Pod Security and
 * the built-in RBAC pack the same admission and access checks as the thesis's best-practices step.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ApplyPacksRequest, PacksResult } from '../domain/contracts';
import type { PolicyEngineSetup } from '../config/policyEngine';
import { enforcesPodSecurity, isEnginePack, manifestDigest, type LoadedPack, type PackManifest } from './packs';
import { renderManifest, scenarioManifests } from './render';
import { detectCni, notEnforcedBecause } from '../kube/facts';
import { accessChecks, admission, HARDEN_FIELD_MANAGER, privilegedPodRejected } from '../kube/harden';
import { APP_NAME, podFromTemplate, runLabelValue } from '../kube/manifests';
import {
  awaitPolicy,
  installPolicyEngine,
  requireNodesThatRunPods,
  type EngineOptions,
  type InstalledEngine,
} from '../kube/policyEngine/engineInstall';
import { RUN_LABEL, type KubeClient, type KubeObject } from '../kube/kubeObjects';

type Evidence = PacksResult['evidence'][number];

/** A cluster-scoped object of that name that this run did not create must not be taken over (reset would delete it). */
async function refuseTakeover(client: KubeClient, obj: KubeObject, item: PackManifest, runId: string): Promise<void> {
  if (item.namespaced || obj.kind === 'Namespace') return;
  const existing = await client.get(obj.apiVersion, obj.kind, obj.metadata.name);
  if (existing && existing.metadata.labels?.[RUN_LABEL] !== runLabelValue(runId)) {
    throw ApplicationFailure.nonRetryable(
      `pack ${item.ref.pack}, ${item.ref.file} document ${item.ref.document}: ${obj.kind} "${obj.metadata.name}" already exists on the ` +
        `cluster and was not created by this run; applying would take it over and reset would delete it: rename it in the pack`,
      'InvalidInput',
    );
  }
}

async function podSecurityEvidence(client: KubeClient, req: ApplyPacksRequest, notes: string[]): Promise<Evidence[]> {
  const rejected = await privilegedPodRejected(client, { runId: req.runId, namespace: req.namespace }, notes);
  return [rejected, ...(await workloadAdmitted(client, req, notes, 'pod security'))];
}

/** The workload's own pods still pass what the scenario enforces (dry run of its template). */
async function workloadAdmitted(client: KubeClient, req: ApplyPacksRequest, notes: string[], by: string): Promise<Evidence[]> {
  const evidence: Evidence[] = [];
  const deployment = await client.get('apps/v1', 'Deployment', APP_NAME, req.namespace);
  if (deployment) {
    const admitted = await admission(client, podFromTemplate(deployment, `${APP_NAME}-psa-check`));
    evidence.push({
      check: `${by}: the workload pod template is admitted`,
      passed: admitted.outcome === 'accepted',
      detail: admitted.detail,
    });
  } else {
    notes.push(`no Deployment ${APP_NAME} in ${req.namespace}: the workload's own compliance was not checked`);
  }
  return evidence;
}

/** The worker's engine for this cluster (its image pinned by digest), or why it has none. */
export type EngineChoice = (Omit<EngineOptions, 'setup'> & { setup: PolicyEngineSetup }) | { unavailable: string };

/** Installs the engine when the scenario has its pack; every engine object is listed under that pack, with its digest. */
async function engineFor(client: KubeClient, req: ApplyPacksRequest, engine: EngineChoice | undefined, result: PacksResult) {
  const pack = req.scenario.packs.find(isEnginePack);
  if (!pack) return undefined;
  await requireNodesThatRunPods(client);
  if (!engine || 'unavailable' in engine)
    throw ApplicationFailure.nonRetryable(
      `the policy-engine pack cannot run here: ${engine?.unavailable ?? 'this worker has no policy engine'}`,
      'PolicyEngineUnavailable',
    );
  const installed = await installPolicyEngine(client, { runId: req.runId, namespace: req.namespace }, engine);
  result.packs.find((p) => p.name === pack.name)!.objects.push(
    ...installed.objects.map((o) => ({
      kind: o.kind,
      name: o.metadata.name,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      sha256: manifestDigest(o),
    })),
  );
  result.evidence.push(...installed.evidence);
  result.notes.push(...installed.notes);
  return installed;
}

export async function applyPacks(
  client: KubeClient,
  req: ApplyPacksRequest,
  packs: LoadedPack[],
  engineChoice?: EngineChoice,
): Promise<PacksResult> {
  const scope = { runId: req.runId, namespace: req.namespace };
  const items = scenarioManifests(req.scenario, packs);
  const result: PacksResult = { packs: req.scenario.packs.map((p) => ({ ...p, objects: [] })), evidence: [], notes: [] };
  const applied: { item: PackManifest; obj: KubeObject }[] = [];
  let engine: InstalledEngine | undefined;
  const enginePack = req.scenario.packs.find(isEnginePack);
  for (const item of items) {
    if (item.ref.pack === enginePack?.name && !engine) engine = await engineFor(client, req, engineChoice, result);
    const obj = renderManifest(item, scope, req.hardening.rbacUser);
    await refuseTakeover(client, obj, item, req.runId);
    // The namespace is shared with deploy: its own field manager keeps deploy from dropping the pack's labels.
    await client.apply(obj, obj.kind === 'Namespace' ? { fieldManager: HARDEN_FIELD_MANAGER } : {});
    applied.push({ item, obj });
    if (engine && item.ref.pack === enginePack?.name) result.evidence.push(...(await awaitPolicy(client, engine, obj)));
    const pack = result.packs.find((p) => p.name === item.ref.pack)!;
    pack.objects.push({
      kind: obj.kind,
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      sha256: item.ref.sha256,
    });
  }

  for (const pack of result.packs) {
    const missing: string[] = [];
    for (const { obj } of applied.filter((a) => a.item.ref.pack === pack.name)) {
      const stored = await client.get(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
      if (!stored || stored.metadata.labels?.[RUN_LABEL] !== runLabelValue(req.runId)) missing.push(`${obj.kind}/${obj.metadata.name}`);
    }
    result.evidence.push({
      check: `pack ${pack.name}: every object is on the cluster with the run's labels`,
      passed: missing.length === 0,
      detail: missing.length ? `missing or unlabelled: ${missing.join(', ')}` : `${pack.objects.length} objects read back`,
    });
  }

  const ns = await client.get('v1', 'Namespace', req.namespace);
  const labels = ns?.metadata.labels ?? {};
  const usedPacks = packs.filter((p) => req.scenario.packs.some((s) => s.name === p.name && s.source === p.source));
  if (usedPacks.some(enforcesPodSecurity)) {
    result.podSecurity = {
      enforce: labels['pod-security.kubernetes.io/enforce'] ?? '',
      audit: labels['pod-security.kubernetes.io/audit'] ?? '',
      warn: labels['pod-security.kubernetes.io/warn'] ?? '',
    };
    result.evidence.push(...(await podSecurityEvidence(client, req, result.notes)));
  }
  if (engine) result.evidence.push(...(await workloadAdmitted(client, req, result.notes, 'policy engine')));
  if (req.scenario.packs.some((p) => p.name === 'rbac' && p.source === 'built-in')) {
    result.evidence.push(...(await accessChecks(client, req.hardening.rbacUser, req.namespace)));
  }
  if (applied.some(({ obj }) => obj.kind === 'NetworkPolicy')) {
    const cni = await detectCni(client);
    result.notes.push(
      cni.enforcesNetworkPolicy
        ? `NetworkPolicies are stored and the detected network plugin (${cni.name}) enforces them` +
            (cni.testbedEnforcer ? ' (the attack battery sends traffic to test it)' : '')
        : `NetworkPolicies are stored but not enforced: ${notEnforcedBecause(cni.name)}`,
    );
  }
  return result;
}
