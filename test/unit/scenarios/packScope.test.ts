/** Issue 25, medium: cluster-scoped bindings in packs must be tied to the run's namespace, else the pack is refused naming the document. */
import { checkDocument, RUN_NAMESPACE_PLACEHOLDER } from '../../../src/scenarios/packs';

const crb = (subjects: unknown) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'b' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  subjects,
});
const vapb = (matchResources: unknown) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: 'p' },
  spec: { policyName: 'p', validationActions: ['Deny'], matchResources },
});

test.each([
  ['a group', crb([{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }])],
  ['a user', crb([{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }])],
  ['a service account of kube-system', crb([{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }])],
  ['no subjects', crb(undefined)],
  [
    'one good subject and one outside',
    crb([
      { kind: 'ServiceAccount', name: 'app', namespace: RUN_NAMESPACE_PLACEHOLDER },
      { kind: 'Group', name: 'system:masters' },
    ]),
  ],
])('a ClusterRoleBinding binding %s is refused', (_name, doc) => {
  expect(checkDocument(doc)).toEqual([expect.stringContaining("a ClusterRoleBinding must be tied to the run's namespace")]);
});

test('a ClusterRoleBinding binding only service accounts of the run’s namespace is accepted', () => {
  expect(checkDocument(crb([{ kind: 'ServiceAccount', name: 'app', namespace: RUN_NAMESPACE_PLACEHOLDER }]))).toEqual([]);
});

test.each([
  ['no matchResources', undefined],
  ['every namespace', { namespaceSelector: {} }],
  ['another namespace', { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
])('a ValidatingAdmissionPolicyBinding with %s is refused', (_name, match) => {
  expect(checkDocument(vapb(match))).toEqual([
    expect.stringContaining("a ValidatingAdmissionPolicyBinding must be tied to the run's namespace"),
  ]);
});

test('a ValidatingAdmissionPolicyBinding selecting the run’s namespace is accepted (the README’s example)', () => {
  expect(checkDocument(vapb({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': RUN_NAMESPACE_PLACEHOLDER } } }))).toEqual(
    [],
  );
});
