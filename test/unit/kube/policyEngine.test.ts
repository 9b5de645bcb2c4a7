/**
 * The policy engine's pieces that need no cluster: its refusal on KWOK-only clusters (before anything is applied),
 * its objects (webhook scoped to the run's namespace, upstream's RBAC moved into the run's engine namespace), its
 * serving certificate from the project's PKI helper, and the reset order that never leaves a dead webhook behind.
 * On real nodes: test/integration/policyEngine.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { X509Certificate } from 'node:crypto';
import type { ApplyPacksRequest } from '../../../src/domain/contracts';
import { applyPacks } from '../../../src/scenarios/applyPacks';
import { engineNamespaceOf, upstreamObjects, webhookConfiguration } from '../../../src/kube/policyEngine/engineManifests';
import { servingCertificate } from '../../../src/kube/policyEngine/engineInstall';
import { deletionRank } from '../../../src/kube/reset';
import type { ApiResourceType, KubeClient, KubeObject } from '../../../src/kube/kubeObjects';
import { resolveScenarios } from '../../../src/scenarios/resolveScenarios';
import { tempDir } from '../../support/tempDir';

const scope = { runId: 'run-1', namespace: 'hl-policy-engine-r1-0a1b2c3d', engineNamespace: 'hl-policy-engine-r1-0a1b2c3d-gk' };

/** A cluster whose nodes are these; any write fails the test (nothing may be applied before the refusal). */
function clusterOf(nodes: KubeObject[]): KubeClient {
  const refuse = () => Promise.reject(new Error('nothing may be applied'));
  return {
    server: 'https://127.0.0.1:6443',
    context: 'test',
    list: (apiVersion: string, kind: string) =>
      Promise.resolve({ items: apiVersion === 'v1' && kind === 'Node' ? nodes : [], resourceVersion: '1' }),
    apply: refuse,
    create: refuse,
    get: () => Promise.resolve(null),
  } as unknown as KubeClient;
}
const node = (name: string, fake: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(fake ? { annotations: { 'kwok.x-k8s.io/node': 'fake' } } : {}) },
});

async function engineRequest(): Promise<{ req: ApplyPacksRequest; packs: Parameters<typeof applyPacks>[2] }> {
  const resolved = await resolveScenarios(['policy-engine'], { configDir: await tempDir('hardenlab-engine-'), inSecurityTools: false });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  const req = {
    runId: scope.runId,
    namespace: scope.namespace,
    cluster: { provider: 'local', kubeconfigPath: '/nonexistent' },
    scenario: resolved.definitions[0]!,
    definitionsKey: 'unused',
    hardening: { rbacUser: 'tester' },
  } as ApplyPacksRequest;
  return { req, packs: resolved.packs };
}

test('on a cluster of KWOK nodes the scenario fails at once, non-retryably: the policy engine needs nodes that run pods', async () => {
  const { req, packs } = await engineRequest();
  const image = `x@sha256:${'a'.repeat(64)}`;
  const setup = { image, installManifest: '/nonexistent', version: 'v3.23.1', webhookRoute: 'service' as const };
  const kwok = clusterOf([node('kwok-1', true), node('kwok-2', true)]);
  const failure = await applyPacks(kwok, req, packs, { setup, readyTimeoutMs: 1000 }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect([(failure as ApplicationFailure).type, (failure as ApplicationFailure).nonRetryable]).toEqual(['PolicyEngineUnavailable', true]);
  expect((failure as Error).message).toMatch(/^the policy engine needs nodes that run pods: every node of this cluster is KWOK-simulated/);
});

test('with nodes that run pods but no engine from the worker, the failure says why (never an image from the input)', async () => {
  const { req, packs } = await engineRequest();
  const failure = await applyPacks(clusterOf([node('n1', false)]), req, packs, { unavailable: 'no image pinned' }).catch((e: unknown) => e);
  expect((failure as Error).message).toBe('the policy-engine pack cannot run here: no image pinned');
  const none = await applyPacks(clusterOf([node('n1', false)]), req, packs).catch((e: unknown) => e);
  expect((none as Error).message).toBe('the policy-engine pack cannot run here: this worker has no policy engine');
});

test("the webhook judges pods of the run's namespace only, refuses when unanswered, and reaches the engine as told", () => {
  const viaLb = webhookConfiguration(scope, 'PEM', '127.0.0.71');
  const hook = (viaLb.webhooks as Record<string, unknown>[])[0]!;
  expect(hook).toMatchObject({
    failurePolicy: 'Fail',
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': scope.namespace } },
    rules: [{ apiGroups: [''], resources: ['pods'], operations: ['CREATE', 'UPDATE'] }],
    clientConfig: { url: 'https://127.0.0.71:443/v1/admit', caBundle: Buffer.from('PEM').toString('base64') },
  });
  expect(viaLb.metadata.labels).toMatchObject({ 'hardenlab.io/run': 'run-1' });
  const viaService = (webhookConfiguration(scope, 'PEM').webhooks as { clientConfig: unknown }[])[0]!.clientConfig;
  expect(viaService).toMatchObject({ service: { name: 'gatekeeper-webhook-service', namespace: scope.engineNamespace } });
  expect(engineNamespaceOf('hl-a-r1-x')).toBe('hl-a-r1-x-gk');
  expect(engineNamespaceOf('x'.repeat(62))).toMatch(/^hl-gk-[0-9a-f]{16}$/);
});

test("upstream's CRDs and RBAC move into the run's engine namespace with the run's labels; its workloads and webhooks do not come", () => {
  const manifest = [
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: constrainttemplates.templates.gatekeeper.sh}',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: gatekeeper-manager-role}\nrules: []',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: gatekeeper-manager-rolebinding}\n' +
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gatekeeper-manager-role}\n' +
      'subjects: [{kind: ServiceAccount, name: gatekeeper-admin, namespace: gatekeeper-system}]',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: gatekeeper-admin, namespace: gatekeeper-system}',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gatekeeper-audit, namespace: gatekeeper-system}',
    'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\n' +
      'metadata: {name: gatekeeper-validating-webhook-configuration}',
  ].join('\n---\n');
  const objects = upstreamObjects(scope, manifest);
  expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
    'CustomResourceDefinition//constrainttemplates.templates.gatekeeper.sh',
    'ClusterRole//gatekeeper-manager-role',
    'ClusterRoleBinding//gatekeeper-manager-rolebinding',
    `ServiceAccount/${scope.engineNamespace}/gatekeeper-admin`,
  ]);
  expect(objects[2]!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'gatekeeper-admin', namespace: scope.engineNamespace }]);
  const runLabels = { 'app.kubernetes.io/managed-by': 'hardenlab', 'hardenlab.io/run': 'run-1' };
  for (const o of objects) expect(o.metadata.labels).toMatchObject(runLabels);
  const notUpstream = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}';
  expect(() => upstreamObjects(scope, notUpstream)).toThrow(/not upstream's deploy\/gatekeeper\.yaml/);
});

test("the webhook's certificate comes from the project's PKI helper, names the Service and the address; its CA signs it", async () => {
  const pem = await servingCertificate(['gatekeeper-webhook-service.ns.svc', '127.0.0.71'], await tempDir('hardenlab-engine-pki-'));
  const cert = new X509Certificate(pem.cert);
  const ca = new X509Certificate(pem.ca);
  expect(cert.subjectAltName).toBe('DNS:gatekeeper-webhook-service.ns.svc, IP Address:127.0.0.71');
  expect(cert.verify(ca.publicKey)).toBe(true);
  expect(ca.ca).toBe(true);
  expect(pem.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
});

test('reset deletes webhook configurations, constraints, templates, namespaced objects, CRDs, cluster RBAC, namespaces last', () => {
  const type = (apiVersion: string, kind: string, namespaced: boolean): ApiResourceType => ({
    apiVersion,
    kind,
    plural: '',
    namespaced,
    verbs: [],
  });
  const custom = new Map([
    ['templates.gatekeeper.sh/ConstraintTemplate', { generated: false }],
    ['constraints.gatekeeper.sh/HardenlabRestricted', { generated: true }],
  ]);
  const types = [
    type('v1', 'Namespace', false),
    type('rbac.authorization.k8s.io/v1', 'ClusterRole', false),
    type('apiextensions.k8s.io/v1', 'CustomResourceDefinition', false),
    type('apps/v1', 'Deployment', true),
    type('templates.gatekeeper.sh/v1', 'ConstraintTemplate', false),
    type('constraints.gatekeeper.sh/v1beta1', 'HardenlabRestricted', false),
    type('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', false),
  ];
  const ordered = [...types].sort((a, b) => deletionRank(a, custom) - deletionRank(b, custom)).map((t) => t.kind);
  expect(ordered).toEqual([
    'ValidatingWebhookConfiguration',
    'HardenlabRestricted',
    'ConstraintTemplate',
    'Deployment',
    'CustomResourceDefinition',
    'ClusterRole',
    'Namespace',
  ]);
});
