import { createHash } from 'node:crypto';
import type { ClusterSpec, HardeningSpec, WorkloadSpec } from '../config/experiment';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_LABEL, type KubeObject } from './kubeObjects';

/**
 * The objects hardenlab puts on a cluster, as plain manifests (pure: no I/O). Every object carries the
 * managed-by and run labels so reset can find all of it by label; namespaced objects live in the run's
 * namespace.
 */

export interface RunScope {
  runId: string;
  namespace: string;
}

export const APP_NAME = 'hardenlab-web';
export const ROLE_NAME = 'hardenlab-app-manager';
export const ROLE_BINDING_NAME = 'hardenlab-app-manager';
export const DENY_INGRESS_POLICY = 'default-deny-ingress';
export const ALLOW_WEB_POLICY = 'allow-web';
export const PSA_PROBE_POD = 'hardenlab-psa-probe';
/** nginx-unprivileged listens here (it cannot bind below 1024 without root). */
export const HARDENED_CONTAINER_PORT = 8080;
/** The uid of the nginx user in the nginx-unprivileged images. */
export const HARDENED_RUN_AS_USER = 101;
export const LINODE_THROTTLE_ANNOTATION = 'service.beta.kubernetes.io/linode-loadbalancer-throttle';
export const PSA_LEVEL = 'restricted';

/**
 * A run id as a label value (≤ 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends). Deterministic,
 * so deploy and reset agree; long or odd ids keep a hash suffix so two runs never share a value.
 */
export function runLabelValue(runId: string): string {
  const cleaned = runId.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (cleaned === runId && cleaned.length <= 63 && cleaned.length > 0) return cleaned;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  const head = cleaned.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${hash}` : `run-${hash}`;
}

export function runLabels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_LABEL]: runLabelValue(runId) };
}

/** The label selector matching everything of a run. */
export function runLabelSelector(runId: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${RUN_LABEL}=${runLabelValue(runId)}`;
}

function meta(scope: RunScope, name: string, extra: Record<string, string> = {}) {
  return { name, namespace: scope.namespace, labels: { ...runLabels(scope.runId), ...extra } };
}

export const PSA_LABELS: Record<string, string> = {
  'pod-security.kubernetes.io/enforce': PSA_LEVEL,
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': PSA_LEVEL,
  'pod-security.kubernetes.io/audit-version': 'latest',
  'pod-security.kubernetes.io/warn': PSA_LEVEL,
  'pod-security.kubernetes.io/warn-version': 'latest',
};

/** The run's namespace; with `podSecurity` it enforces, audits and warns at `restricted`. */
export function namespaceManifest(scope: RunScope, options: { podSecurity?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: scope.namespace, labels: { ...runLabels(scope.runId), ...(options.podSecurity ? PSA_LABELS : {}) } },
  };
}

function appLabels(scope: RunScope): Record<string, string> {
  return { 'app.kubernetes.io/name': APP_NAME, ...runLabels(scope.runId) };
}

export interface WorkloadOptions {
  hardened: boolean;
  replicas: number;
}

/** The image a run deploys: the thesis's image, or the non-root one for hardened runs. */
export function workloadImage(workload: WorkloadSpec, hardened: boolean): string {
  return hardened ? workload.hardenedImage : workload.image;
}

export function containerPort(workload: WorkloadSpec, hardened: boolean): number {
  return hardened ? HARDENED_CONTAINER_PORT : workload.port;
}

const RESTRICTED_CONTAINER_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: HARDENED_RUN_AS_USER,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** nginx writes its pid, temp files and cache here; with a read-only root these must be emptyDirs. */
const NGINX_WRITABLE_PATHS = [
  { name: 'tmp', mountPath: '/tmp' },
  { name: 'nginx-cache', mountPath: '/var/cache/nginx' },
  { name: 'run', mountPath: '/var/run' },
];

/** The thesis's demo site Deployment; the hardened variant passes Pod Security `restricted`. */
export function workloadDeployment(scope: RunScope, workload: WorkloadSpec, options: WorkloadOptions): KubeObject {
  const labels = appLabels(scope);
  const port = containerPort(workload, options.hardened);
  const container: Record<string, unknown> = {
    name: 'web',
    image: workloadImage(workload, options.hardened),
    imagePullPolicy: 'Always',
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
  };
  const podSpec: Record<string, unknown> = { containers: [container] };
  if (options.hardened) {
    container.securityContext = RESTRICTED_CONTAINER_CONTEXT;
    container.resources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
    container.volumeMounts = NGINX_WRITABLE_PATHS.map(({ name, mountPath }) => ({ name, mountPath }));
    podSpec.volumes = NGINX_WRITABLE_PATHS.map(({ name }) => ({ name, emptyDir: {} }));
    podSpec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    podSpec.automountServiceAccountToken = false;
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(scope, APP_NAME, { 'app.kubernetes.io/name': APP_NAME }),
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

/** The Service in front of the site; on Linode with the thesis's load-balancer throttle annotation. */
export function workloadService(
  scope: RunScope,
  workload: WorkloadSpec,
  options: { hardened: boolean; provider: ClusterSpec['provider'] },
): KubeObject {
  const metadata: KubeObject['metadata'] = meta(scope, APP_NAME, { 'app.kubernetes.io/name': APP_NAME });
  if (options.provider === 'linode') metadata.annotations = { [LINODE_THROTTLE_ANNOTATION]: '4' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: workload.serviceType,
      selector: appLabels(scope),
      ports: [{ name: 'http', port: workload.port, targetPort: containerPort(workload, options.hardened), protocol: 'TCP' }],
    },
  };
}

/** The verbs the app's managers get: explicit lists, never `*`. */
export const ROLE_RULES = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

export function roleManifest(scope: RunScope): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(scope, ROLE_NAME), rules: ROLE_RULES };
}

export function roleBindingManifest(scope: RunScope, hardening: HardeningSpec): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(scope, ROLE_BINDING_NAME),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: hardening.rbacUser }],
  };
}

/** Default-deny ingress for every pod of the namespace, then the web port (by name) for the app. */
export function networkPolicyManifests(scope: RunScope): KubeObject[] {
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(scope, DENY_INGRESS_POLICY),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(scope, ALLOW_WEB_POLICY),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': APP_NAME } },
        policyTypes: ['Ingress'],
        // The named port matches both variants (80 for the thesis image, 8080 for nginx-unprivileged).
        ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }],
      },
    },
  ];
}

/** Everything the harden step applies, in order (namespace first). */
export function hardeningManifests(scope: RunScope, hardening: HardeningSpec): KubeObject[] {
  return [
    namespaceManifest(scope, { podSecurity: true }),
    roleManifest(scope),
    roleBindingManifest(scope, hardening),
    ...networkPolicyManifests(scope),
  ];
}

/** A pod that violates `restricted` on purpose (root, privileged, privilege escalation): admission must refuse it. */
export function nonCompliantPod(scope: RunScope): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(scope, PSA_PROBE_POD),
    spec: {
      containers: [
        {
          name: 'probe',
          image: 'busybox:1.36',
          command: ['sleep', '3600'],
          securityContext: { privileged: true, runAsUser: 0, allowPrivilegeEscalation: true },
        },
      ],
    },
  };
}

/** A pod built from a Deployment's template, to ask admission (dry run) whether the workload complies. */
export function podFromTemplate(deployment: KubeObject, name: string): KubeObject {
  const template = (deployment.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } } | undefined)
    ?.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: deployment.metadata.namespace, labels: template?.metadata?.labels ?? {} },
    spec: template?.spec ?? {},
  };
}
