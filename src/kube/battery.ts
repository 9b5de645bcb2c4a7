/**
 * The attack battery: after a scenario's window, the things an attacker or a careless user tries, each
 * decided by the cluster itself. Pod attacks are server-side dry runs as the worker's identity (admission
 * decides, nothing is created); RBAC attacks run as the test user by impersonation (reads, and dry-run
 * creates). Each pod differs from a Pod Security "restricted" compliant pod in one respect only, so a denial
 * is attributable to that respect.
 */
import type { AttackAttempt, AttackBatteryRequest, AttackBatteryResult } from '../domain/contracts';
import type { AttackId } from '../domain/scenarios';
import { failureTypeOf, KubeFailure } from './kubeFailures';
import { detectCni, isKwokNode } from './facts';
import { probeCrossNamespace } from './networkProbe';
import { otherNamespace } from './harden';
import { runLabels, type RunScope } from './manifests';
import type { KubeClient, KubeObject } from './kubeObjects';
import { waitForObject } from './wait';

type PodSpec = Record<string, unknown> & { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> };
const container = (spec: PodSpec) => spec.containers[0] as Record<string, unknown> & { securityContext: Record<string, unknown> };

/** A pod that Pod Security "restricted" admits; each attack changes one thing. */
export function compliantPod(scope: RunScope, name: string): KubeObject & { spec: PodSpec } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: scope.namespace, labels: runLabels(scope.runId) },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image: 'busybox:1.36',
          command: ['sleep', '3600'],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

interface PodAttack {
  id: AttackId;
  title: string;
  change: (spec: PodSpec) => void;
}

export const POD_ATTACKS: PodAttack[] = [
  // The API server refuses privileged without privilege escalation as invalid, so both are set.
  {
    id: 'privileged-pod',
    title: 'privileged container',
    change: (s) => Object.assign(container(s).securityContext, { privileged: true, allowPrivilegeEscalation: true }),
  },
  {
    id: 'host-path-root',
    title: "hostPath volume of the node's /",
    change: (s) => {
      s.volumes = [{ name: 'host', hostPath: { path: '/' } }];
      container(s).volumeMounts = [{ name: 'host', mountPath: '/host' }];
    },
  },
  { id: 'host-network', title: 'hostNetwork', change: (s) => (s.hostNetwork = true) },
  { id: 'host-pid', title: 'hostPID', change: (s) => (s.hostPID = true) },
  {
    id: 'run-as-root',
    title: 'running as root (uid 0)',
    change: (s) => {
      s.securityContext = { ...s.securityContext, runAsNonRoot: false, runAsUser: 0 };
    },
  },
  {
    id: 'cap-net-raw',
    title: 'added capability NET_RAW',
    change: (s) => (container(s).securityContext.capabilities = { drop: ['ALL'], add: ['NET_RAW'] }),
  },
  {
    id: 'cap-sys-admin',
    title: 'added capability SYS_ADMIN',
    change: (s) => (container(s).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] }),
  },
  { id: 'automount-sa-token', title: 'automounted service-account token', change: (s) => (s.automountServiceAccountToken = true) },
];

export function attackPod(scope: RunScope, attack: PodAttack): KubeObject {
  const pod = compliantPod(scope, `hardenlab-attack-${attack.id}`);
  attack.change(pod.spec);
  return pod;
}

/**
 * RBAC and Pod Security refuse with 403; a ValidatingAdmissionPolicy by default with 422 ("is forbidden:
 * ValidatingAdmissionPolicy … denied request"): both are the cluster saying no, unlike a malformed request.
 */
export function refusedByPolicy(err: unknown): boolean {
  const type = failureTypeOf(err);
  const message = (err as Error).message;
  // The worker may not act as the test user: that says nothing about what the test user may do.
  if (/cannot impersonate/.test(message)) return false;
  if (type === KubeFailure.KubeForbidden) return true;
  return type === KubeFailure.KubeInvalidManifest && /is forbidden: |denied (the )?request/.test(message);
}

/** Runs one attempt: success is "allowed", a refusal by admission or RBAC is "denied" with the server's message. */
async function attempt(
  base: Omit<AttackAttempt, 'id' | 'outcome' | 'message'> & { id: AttackId },
  run: () => Promise<unknown>,
): Promise<AttackAttempt> {
  try {
    await run();
    return { ...base, outcome: 'allowed', message: 'the API server accepted it' };
  } catch (err) {
    const message = (err as Error).message;
    return { ...base, outcome: refusedByPolicy(err) ? 'denied' : 'error', message };
  }
}

/** A node pods can be placed on: Ready, not cordoned, not KWOK-simulated. */
function runsPods(node: KubeObject): boolean {
  const spec = (node.spec ?? {}) as { unschedulable?: boolean };
  const conditions = ((node.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return !isKwokNode(node) && !spec.unschedulable && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Pod-to-pod traffic across namespaces: sent for real where the test bed's enforcer runs (networkProbe.ts), else
 * said why it cannot be tested here (detected from the nodes and the network plugin).
 */
async function networkAttempt(client: KubeClient, scope: RunScope): Promise<AttackAttempt> {
  const base = {
    id: 'cross-namespace-traffic' satisfies AttackId,
    title: 'pod traffic from another namespace',
    category: 'network' as const,
    as: 'a pod in another namespace',
  };
  const nodes = (await client.list('v1', 'Node')).items;
  if (nodes.length > 0 && nodes.every(isKwokNode)) {
    return {
      ...base,
      outcome: 'not-enforceable',
      message: 'not enforceable on this cluster: every node is KWOK-simulated, so no pod runs and no packet flows',
    };
  }
  const cni = await detectCni(client);
  if (!cni.enforcesNetworkPolicy) {
    return {
      ...base,
      outcome: 'not-enforceable',
      message: cni.name
        ? `not enforceable on this cluster: the network plugin ${cni.name} does not enforce NetworkPolicy`
        : 'not enforceable on this cluster: no network plugin that enforces NetworkPolicy was detected',
    };
  }
  if (cni.testbedEnforcer) {
    const ready = nodes.filter(runsPods).map((n) => n.metadata.name);
    if (ready.length === 0) return { ...base, outcome: 'error', message: 'no Ready node to place the probe pods on' };
    try {
      const result = await probeCrossNamespace(client, scope, otherNamespace(scope.namespace), ready);
      return { ...base, ...result, message: `${cni.name}: ${result.message}` };
    } catch (err) {
      // A pod refused (a quota, say) or never running says nothing about the policy: recorded, the battery goes on.
      return { ...base, outcome: 'error', message: `${cni.name}: the probe pods could not run: ${(err as Error).message}` };
    }
  }
  return {
    ...base,
    outcome: 'not-tested',
    message: `the network plugin ${cni.name} enforces NetworkPolicy; hardenlab sends test traffic only on its own test bed`,
  };
}

export async function runAttackBattery(admin: KubeClient, asTestUser: KubeClient, req: AttackBatteryRequest): Promise<AttackBatteryResult> {
  const scope = { runId: req.runId, namespace: req.namespace };
  const user = req.hardening.rbacUser;
  // Pod admission needs the namespace's default ServiceAccount; in a fresh namespace it may still be coming.
  await waitForObject(admin, { apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: req.namespace }, (sa) => sa !== null, {
    timeoutMs: 60_000,
    description: `ServiceAccount default in ${req.namespace}`,
  });
  const attempts: AttackAttempt[] = [];
  for (const attack of POD_ATTACKS) {
    attempts.push(
      await attempt({ id: attack.id, title: attack.title, category: 'pod-security', as: 'the worker (dry run)' }, () =>
        admin.create(attackPod(scope, attack), { dryRun: true }),
      ),
    );
  }
  const asUser = `user ${user} (impersonated)`;
  attempts.push(
    await attempt({ id: 'read-secrets', title: `list secrets in the run's namespace`, category: 'rbac', as: asUser }, () =>
      asTestUser.list('v1', 'Secret', { namespace: req.namespace }),
    ),
  );
  const elsewhere = otherNamespace(req.namespace);
  attempts.push(
    await attempt(
      { id: 'pod-in-other-namespace', title: `create a pod in namespace ${elsewhere}`, category: 'rbac', as: `${asUser}, dry run` },
      () => asTestUser.create({ ...compliantPod({ ...scope, namespace: elsewhere }, 'hardenlab-attack-elsewhere') }, { dryRun: true }),
    ),
  );
  const escalation: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'hardenlab-attack-escalate', namespace: req.namespace, labels: runLabels(req.runId) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  attempts.push(
    await attempt(
      { id: 'escalate-rolebinding', title: 'bind itself to cluster-admin with a RoleBinding', category: 'rbac', as: `${asUser}, dry run` },
      () => asTestUser.create(escalation, { dryRun: true }),
    ),
  );
  attempts.push(await networkAttempt(admin, scope));
  return { attempts };
}
