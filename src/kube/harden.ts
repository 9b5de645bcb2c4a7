import { isDeepStrictEqual } from 'node:util';
import type { HardenRequest, HardenResult } from '../domain/contracts';
import { classifiedStatusOf, failureTypeOf, KubeFailure } from './kubeFailures';
import { detectCni, notEnforcedBecause } from './facts';
import {
  ALLOW_WEB_POLICY,
  APP_NAME,
  DENY_INGRESS_POLICY,
  PSA_LABELS,
  PSA_LEVEL,
  ROLE_BINDING_NAME,
  ROLE_NAME,
  hardeningManifests,
  networkPolicyManifests,
  nonCompliantPod,
  podFromTemplate,
  roleBindingManifest,
  roleManifest,
} from './manifests';
import type { AccessQuery, KubeClient, KubeObject } from './kubeObjects';
import { waitForObject } from './wait';

/** The harden step shares the namespace with deploy; its own field manager keeps deploy from dropping the PSA labels. */
export const HARDEN_FIELD_MANAGER = 'hardenlab-harden';

type Evidence = HardenResult['evidence'][number];

/** A namespace other than the run's, for the "cannot act elsewhere" check. */
export function otherNamespace(namespace: string): string {
  return namespace === 'default' ? 'kube-system' : 'default';
}

type AdmissionOutcome = { outcome: 'accepted' | 'rejected' | 'error'; detail: string };

/** Asks admission (dry-run create) about a pod: accepted, rejected by Pod Security, or failed otherwise. */
export async function admission(client: KubeClient, pod: KubeObject): Promise<AdmissionOutcome> {
  try {
    await client.create(pod, { dryRun: true });
    return { outcome: 'accepted', detail: `the API server accepted pod ${pod.metadata.name} (dry run)` };
  } catch (err) {
    const type = failureTypeOf(err);
    const message = (err as Error).message;
    if (type === KubeFailure.KubeForbidden && /PodSecurity/i.test(message)) return { outcome: 'rejected', detail: message };
    return { outcome: 'error', detail: `unexpected failure (${type ?? 'unknown'}, HTTP ${classifiedStatusOf(err) ?? '?'}): ${message}` };
  }
}

export async function accessChecks(client: KubeClient, user: string, namespace: string): Promise<Evidence[]> {
  const subject = { user };
  const ask = (q: AccessQuery) => client.canI(q, subject);
  const manageVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  const manage = await Promise.all(manageVerbs.map((verb) => ask({ verb, group: 'apps', resource: 'deployments', namespace })));
  const deniedManage = manageVerbs.filter((_, i) => !manage[i]!.allowed);
  const secretsGet = await ask({ verb: 'get', resource: 'secrets', namespace });
  const secretsList = await ask({ verb: 'list', resource: 'secrets', namespace });
  const other = otherNamespace(namespace);
  const elsewhere = await ask({ verb: 'create', group: 'apps', resource: 'deployments', namespace: other });
  const elsewherePods = await ask({ verb: 'list', resource: 'pods', namespace: other });
  return [
    {
      check: `rbac: ${user} can manage deployments in ${namespace}`,
      passed: deniedManage.length === 0,
      detail:
        deniedManage.length === 0
          ? `SubjectAccessReview allowed ${manageVerbs.join(', ')} on apps/deployments`
          : `denied: ${deniedManage.join(', ')}`,
    },
    {
      check: `rbac: ${user} cannot read secrets in ${namespace}`,
      passed: !secretsGet.allowed && !secretsList.allowed,
      detail: `get secrets: ${secretsGet.allowed ? 'allowed' : 'denied'}; list secrets: ${secretsList.allowed ? 'allowed' : 'denied'}`,
    },
    {
      check: `rbac: ${user} cannot act in namespace ${other}`,
      passed: !elsewhere.allowed && !elsewherePods.allowed,
      detail: `create deployments: ${elsewhere.allowed ? 'allowed' : 'denied'}; list pods: ${elsewherePods.allowed ? 'allowed' : 'denied'}`,
    },
  ];
}

/** Compares the fields we set with what the API server stored (it may add defaults, so only ours are compared). */
function sameFields(expected: Record<string, unknown>, actual: Record<string, unknown> | undefined, fields: string[]): boolean {
  return fields.every((f) => isDeepStrictEqual(normalise(expected[f]), normalise(actual?.[f])));
}

/** Drops keys the server leaves out when empty, so `[]`/`{}` defaults do not count as differences. */
function normalise(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

async function appliedAsIntended(client: KubeClient, req: HardenRequest): Promise<Evidence[]> {
  const scope = { runId: req.runId, namespace: req.namespace };
  const evidence: Evidence[] = [];
  const ns = await client.get('v1', 'Namespace', req.namespace);
  const labels = ns?.metadata.labels ?? {};
  const wrongLabels = Object.entries(PSA_LABELS).filter(([k, v]) => labels[k] !== v);
  evidence.push({
    check: `pod security: namespace ${req.namespace} enforces, audits and warns at ${PSA_LEVEL}`,
    passed: ns !== null && wrongLabels.length === 0,
    detail:
      ns === null
        ? 'namespace missing'
        : wrongLabels.length
          ? `labels differ: ${wrongLabels.map(([k]) => k).join(', ')}`
          : 'all six pod-security labels as applied',
  });

  const role = await client.get('rbac.authorization.k8s.io/v1', 'Role', ROLE_NAME, req.namespace);
  const rules = (role?.rules ?? []) as { verbs?: string[]; resources?: string[] }[];
  const wildcard = rules.some((r) => r.verbs?.includes('*') || r.resources?.includes('*'));
  evidence.push({
    check: `rbac: Role ${ROLE_NAME} as applied, no wildcards`,
    passed: role !== null && !wildcard && sameFields(roleManifest(scope), role, ['rules']),
    detail: role === null ? 'Role missing' : `${rules.length} rules${wildcard ? ', has a wildcard' : ''}`,
  });
  const binding = await client.get('rbac.authorization.k8s.io/v1', 'RoleBinding', ROLE_BINDING_NAME, req.namespace);
  evidence.push({
    check: `rbac: RoleBinding ${ROLE_BINDING_NAME} binds ${req.hardening.rbacUser}`,
    passed: binding !== null && sameFields(roleBindingManifest(scope, req.hardening), binding, ['roleRef', 'subjects']),
    detail: binding === null ? 'RoleBinding missing' : JSON.stringify(binding.subjects),
  });
  for (const policy of networkPolicyManifests(scope)) {
    const stored = await client.get('networking.k8s.io/v1', 'NetworkPolicy', policy.metadata.name, req.namespace);
    const expected = policy.spec as Record<string, unknown>;
    evidence.push({
      check: `network policy: ${policy.metadata.name} as applied`,
      passed: stored !== null && sameFields(expected, stored.spec as Record<string, unknown>, Object.keys(expected)),
      detail: stored === null ? 'NetworkPolicy missing' : JSON.stringify(stored.spec),
    });
  }
  return evidence;
}

/** Evidence that Pod Security enforces: the API server rejects a privileged root pod. */
export async function privilegedPodRejected(
  client: KubeClient,
  scope: { runId: string; namespace: string },
  notes: string[],
): Promise<Evidence> {
  await awaitDefaultServiceAccount(client, scope.namespace, notes);
  const probe = await admission(client, nonCompliantPod(scope));
  return {
    check: 'pod security: a privileged root pod is rejected by the API server',
    passed: probe.outcome === 'rejected',
    detail: probe.detail,
  };
}

/** Pod admission looks up the namespace's default ServiceAccount first; in a fresh namespace it may not exist yet. */
async function awaitDefaultServiceAccount(client: KubeClient, namespace: string, notes: string[]): Promise<void> {
  const account = await waitForObject(
    client,
    { apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace },
    (sa) => sa !== null,
    { timeoutMs: 60_000, description: `ServiceAccount default in ${namespace}` },
  );
  if (!account.satisfied)
    notes.push(`ServiceAccount "default" did not appear in ${namespace} within 60 s: admission probes may fail for that reason`);
}

/**
 * The best-practices step: PSA `restricted` on the namespace, a least-privilege Role and RoleBinding, and
 * NetworkPolicies, all by server-side apply; then evidence that each works as claimed. NetworkPolicy
 * enforcement is only claimed where a policy-enforcing network plugin is detected.
 */
export async function hardenNamespace(client: KubeClient, req: HardenRequest): Promise<HardenResult> {
  const scope = { runId: req.runId, namespace: req.namespace };
  for (const manifest of hardeningManifests(scope, req.hardening)) {
    await client.apply(manifest, manifest.kind === 'Namespace' ? { fieldManager: HARDEN_FIELD_MANAGER } : {});
  }

  const evidence: Evidence[] = [];
  const notes: string[] = [];
  evidence.push(await privilegedPodRejected(client, scope, notes));

  const deployment = await client.get('apps/v1', 'Deployment', APP_NAME, req.namespace);
  if (deployment) {
    const admitted = await admission(client, podFromTemplate(deployment, `${APP_NAME}-psa-check`));
    evidence.push({
      check: 'pod security: the workload pod template is admitted under restricted',
      passed: admitted.outcome === 'accepted',
      detail: admitted.detail,
    });
    const image = (deployment.spec as { template?: { spec?: { containers?: { image?: string }[] } } }).template?.spec?.containers?.[0]
      ?.image;
    notes.push(
      `the workload runs image ${image ?? '?'}; the thesis's image runs as root and cannot pass Pod Security "restricted", so hardened ` +
        `runs use a non-root image`,
    );
  } else {
    notes.push(`no Deployment ${APP_NAME} in ${req.namespace} yet: the workload's own compliance was not checked`);
  }

  evidence.push(...(await accessChecks(client, req.hardening.rbacUser, req.namespace)));
  evidence.push(...(await appliedAsIntended(client, req)));

  const cni = await detectCni(client);
  notes.push(
    cni.enforcesNetworkPolicy
      ? `NetworkPolicies are stored and the detected network plugin (${cni.name}) enforces them; ` +
        (cni.testbedEnforcer ? `the attack battery sends traffic to test it` : `traffic was not tested`)
      : `NetworkPolicies are stored but not enforced: ${notEnforcedBecause(cni.name)}`,
  );

  const ns = await client.get('v1', 'Namespace', req.namespace);
  const labels = ns?.metadata.labels ?? {};
  return {
    podSecurity: {
      enforce: labels['pod-security.kubernetes.io/enforce'] ?? '',
      audit: labels['pod-security.kubernetes.io/audit'] ?? '',
      warn: labels['pod-security.kubernetes.io/warn'] ?? '',
    },
    rbac: { role: ROLE_NAME, binding: ROLE_BINDING_NAME, user: req.hardening.rbacUser },
    networkPolicies: [DENY_INGRESS_POLICY, ALLOW_WEB_POLICY],
    evidence,
    notes,
  };
}
