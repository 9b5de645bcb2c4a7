/**
 * What is left of any policy engine on a cluster, cluster-scoped objects included: webhook configurations,
 * Gatekeeper's CRDs and cluster roles. Both real-node engine tests expect none after a reset.
 */
import type { KubeClient } from '../../src/kube/kubeObjects';

export async function engineRemains(admin: KubeClient): Promise<string[]> {
  const hooks = (await admin.list('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration')).items;
  const mutating = (await admin.list('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration')).items;
  const crds = (await admin.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition')).items;
  const roles = (await admin.list('rbac.authorization.k8s.io/v1', 'ClusterRole')).items;
  const bindings = (await admin.list('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding')).items;
  return [
    ...hooks.map((h) => `ValidatingWebhookConfiguration/${h.metadata.name}`),
    ...mutating.map((h) => `MutatingWebhookConfiguration/${h.metadata.name}`),
    ...crds.filter((c) => c.metadata.name.endsWith('gatekeeper.sh')).map((c) => `CustomResourceDefinition/${c.metadata.name}`),
    ...roles.filter((r) => r.metadata.name.startsWith('gatekeeper')).map((r) => `ClusterRole/${r.metadata.name}`),
    ...bindings.filter((r) => r.metadata.name.startsWith('gatekeeper')).map((r) => `ClusterRoleBinding/${r.metadata.name}`),
  ];
}
