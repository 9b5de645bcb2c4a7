import { ApplicationFailure } from '@temporalio/common';
import { KubeFailure } from '../kube/kubeFailures';
import type { AccessQuery, KubeClient } from '../kube/kubeObjects';

/** One permission a run needs, and why (for the message when it is missing). */
export interface RequiredAccess extends AccessQuery {
  why: string;
}

const verbs = (group: string, resource: string, list: string[], why: string): RequiredAccess[] =>
  list.map((verb) => ({ verb, group, resource, why }));

/**
 * What provision, deploy, harden and reset do on the cluster. Checked cluster-wide (every namespace)
 * because each run creates its own namespace.
 */
export const REQUIRED_ACCESS: readonly RequiredAccess[] = [
  ...verbs('', 'namespaces', ['get', 'list', 'create', 'patch', 'delete'], 'a namespace per run'),
  ...verbs('apps', 'deployments', ['get', 'list', 'watch', 'create', 'patch', 'delete'], 'the demo workload'),
  ...verbs('', 'services', ['get', 'list', 'watch', 'create', 'patch', 'delete'], 'the workload Service'),
  ...verbs('', 'pods', ['list', 'create'], 'rollout checks and the admission probe'),
  ...verbs('', 'events', ['list'], 'rollout events'),
  ...verbs('', 'nodes', ['list'], 'cluster facts'),
  ...verbs('rbac.authorization.k8s.io', 'roles', ['create', 'patch', 'delete'], 'the least-privilege Role'),
  ...verbs('rbac.authorization.k8s.io', 'rolebindings', ['create', 'patch', 'delete'], 'the RoleBinding'),
  ...verbs('networking.k8s.io', 'networkpolicies', ['get', 'create', 'patch', 'delete'], 'NetworkPolicies'),
  ...verbs('authorization.k8s.io', 'subjectaccessreviews', ['create'], 'RBAC verification'),
];

function describe(a: AccessQuery): string {
  return `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}`;
}

/** Asks the API server (SelfSubjectAccessReview) for each permission; throws KubeForbidden naming every missing one. */
export async function verifyAccess(client: KubeClient, required: readonly RequiredAccess[] = REQUIRED_ACCESS): Promise<void> {
  const decisions = await Promise.all(required.map(async (access) => ({ access, decision: await client.canI(access) })));
  const missing = decisions.filter((d) => !d.decision.allowed);
  if (missing.length === 0) return;
  const list = missing.map((m) => `${describe(m.access)} (${m.access.why})`).join(', ');
  throw ApplicationFailure.nonRetryable(
    `the kubeconfig user of context "${client.context}" on ${client.server} lacks ${missing.length} permission(s) hardenlab needs in ` +
      `all namespaces: ${list}`,
    KubeFailure.KubeForbidden,
    { missing: missing.map((m) => describe(m.access)) },
  );
}
