/**
 * The policy engine's objects (pure: no I/O): Gatekeeper's CRDs and RBAC taken from upstream's install manifest of
 * the image's version, and the engine's own Deployment, Service, certificate Secret and validating webhook
 * configuration, written here. Everything carries the run's labels (reset finds it by them); the engine lives in a
 * namespace of the run's beside the workload's, and its webhook judges pods of the workload's namespace only.
 */
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import type { WebhookRoute } from '../../config/policyEngine';
import { runLabels } from '../manifests';
import type { KubeObject } from '../kubeObjects';

/** Upstream's namespace in its install manifest, replaced by the run's engine namespace. */
const UPSTREAM_NAMESPACE = 'gatekeeper-system';
export const ENGINE_APP = 'hardenlab-gatekeeper';
/** Upstream's names, which the manager looks for (the Secret it reads, the webhook configuration it watches). */
export const SERVICE_ACCOUNT = 'gatekeeper-admin';
export const WEBHOOK_SERVICE = 'gatekeeper-webhook-service';
export const CERT_SECRET = 'gatekeeper-webhook-server-cert';
export const WEBHOOK_CONFIGURATION = 'gatekeeper-validating-webhook-configuration';
export const WEBHOOK_NAME = 'validation.gatekeeper.sh';
const WEBHOOK_PORT = 8443;
const HEALTH_PORT = 9090;
/** The uid of the image's gatekeeper user (scripts/testbed/build-engine-images.sh). */
const ENGINE_UID = 65532;
/** The kinds taken from upstream's manifest; the rest (its Deployments, webhooks, Secret) are written here. */
const UPSTREAM_KINDS = new Set(['CustomResourceDefinition', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

export interface EngineScope {
  runId: string;
  /** The workload's namespace: the only one the webhook judges. */
  namespace: string;
  /** Where the engine runs. */
  engineNamespace: string;
}

/** The engine's namespace beside the run's (a DNS label of at most 63 characters). */
export function engineNamespaceOf(runNamespace: string): string {
  const name = `${runNamespace}-gk`;
  return name.length <= 63 ? name : `hl-gk-${createHash('sha256').update(runNamespace).digest('hex').slice(0, 16)}`;
}

function labelled(scope: EngineScope, obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, labels: { ...(obj.metadata.labels ?? {}), ...runLabels(scope.runId) } } };
}

/** Gatekeeper's CRDs and RBAC from its install manifest, moved into the engine's namespace and labelled with the run. */
export function upstreamObjects(scope: EngineScope, installManifest: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(installManifest)) {
    if (!('toJS' in doc)) continue;
    const obj = doc.toJS() as KubeObject | null;
    if (!obj || !UPSTREAM_KINDS.has(obj.kind)) continue;
    const metadata = { ...obj.metadata };
    if (metadata.namespace === UPSTREAM_NAMESPACE) metadata.namespace = scope.engineNamespace;
    const subjects = (obj.subjects as { namespace?: string }[] | undefined)?.map((s) =>
      s.namespace === UPSTREAM_NAMESPACE ? { ...s, namespace: scope.engineNamespace } : s,
    );
    objects.push(labelled(scope, { ...obj, metadata, ...(subjects ? { subjects } : {}) }));
  }
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').length;
  if (crds === 0 || !objects.some((o) => o.kind === 'ClusterRole'))
    throw new Error(`Gatekeeper's install manifest holds ${crds} CRDs and no ClusterRole: not upstream's deploy/gatekeeper.yaml`);
  return objects;
}

export function engineNamespaceManifest(scope: EngineScope): KubeObject {
  return labelled(scope, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scope.engineNamespace } });
}

/** The DNS names of the webhook Service, which its serving certificate names. */
export function serviceNames(scope: EngineScope): string[] {
  const base = `${WEBHOOK_SERVICE}.${scope.engineNamespace}`;
  return [WEBHOOK_SERVICE, base, `${base}.svc`, `${base}.svc.cluster.local`];
}

/** The webhook's Service; of type LoadBalancer where the API server reaches it through a load-balancer address. */
export function engineService(scope: EngineScope, route: WebhookRoute): KubeObject {
  return labelled(scope, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WEBHOOK_SERVICE, namespace: scope.engineNamespace },
    spec: {
      type: route === 'load-balancer' ? 'LoadBalancer' : 'ClusterIP',
      selector: { 'app.kubernetes.io/name': ENGINE_APP },
      ports: [{ name: 'https-webhook-server', port: 443, targetPort: 'webhook-server', protocol: 'TCP' }],
    },
  });
}

/** The serving certificate and key the manager reads from /certs (cert rotation is off: the pack made them). */
export function certSecret(scope: EngineScope, pem: { cert: string; key: string; ca: string }): KubeObject {
  return labelled(scope, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CERT_SECRET, namespace: scope.engineNamespace },
    type: 'kubernetes.io/tls',
    stringData: { 'tls.crt': pem.cert, 'tls.key': pem.key, 'ca.crt': pem.ca },
  });
}

/** One pod running the webhook, audit, status and CRD generation in one manager, under the restricted rules it enforces. */
export function engineDeployment(scope: EngineScope, image: string): KubeObject {
  const labels = { 'app.kubernetes.io/name': ENGINE_APP, ...runLabels(scope.runId) };
  const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
  return labelled(scope, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ENGINE_APP, namespace: scope.engineNamespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          automountServiceAccountToken: true,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: ENGINE_UID,
            runAsGroup: ENGINE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'manager',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                `--port=${WEBHOOK_PORT}`, `--health-addr=:${HEALTH_PORT}`, '--logtostderr', '--log-level=INFO',
                `--exempt-namespace=${scope.engineNamespace}`, '--operation=webhook', '--operation=audit', '--operation=status',
                // generate: the template controller creates each template's constraint CRD; no ValidatingAdmissionPolicy
                // is generated, so what is measured is the webhook alone.
                '--operation=generate', '--default-create-vap-for-templates=false',
                '--default-create-vap-binding-for-constraints=false',
                '--disable-cert-rotation', '--disable-opa-builtin={http.send}', '--audit-interval=60',
                `--validating-webhook-configuration-name=${WEBHOOK_CONFIGURATION}`,
              ],
              env: [
                fromField('POD_NAMESPACE', 'metadata.namespace'), fromField('POD_NAME', 'metadata.name'),
                fromField('NAMESPACE', 'metadata.namespace'), { name: 'CONTAINER_NAME', value: 'manager' },
              ],
              ports: [
                { name: 'webhook-server', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
                { name: 'healthz', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: HEALTH_PORT }, periodSeconds: 2 },
              livenessProbe: { httpGet: { path: '/healthz', port: HEALTH_PORT }, initialDelaySeconds: 30 },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ name: 'cert', mountPath: '/certs', readOnly: true }],
            },
          ],
          volumes: [{ name: 'cert', secret: { secretName: CERT_SECRET, defaultMode: 0o444 } }],
        },
      },
    },
  });
}

/**
 * The validating webhook: pods of the workload's namespace only, so the engine never judges the rest of the cluster
 * (its own pods included). `Fail`: while it is registered, a pod the engine cannot judge is refused, as an enforcing
 * engine must; reset removes it first, and the install registers it only once the engine is ready.
 */
export function webhookConfiguration(scope: EngineScope, caBundlePem: string, loadBalancerAddress?: string): KubeObject {
  const path = '/v1/admit';
  const clientConfig = loadBalancerAddress
    ? { url: `https://${loadBalancerAddress}:443${path}` }
    : { service: { name: WEBHOOK_SERVICE, namespace: scope.engineNamespace, path, port: 443 } };
  return labelled(scope, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIGURATION },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        clientConfig: { ...clientConfig, caBundle: Buffer.from(caBundlePem).toString('base64') },
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        sideEffects: 'None',
        timeoutSeconds: 3,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': scope.namespace } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }],
      },
    ],
  });
}
