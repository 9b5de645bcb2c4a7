import type { ApiResourceType, KubeClient, KubeObject, ListOptions } from '../../../src/kube/kubeObjects';
import { describeLeftover, leftoverSelector, listRunObjectsWith } from '../../support/leftovers';

const types: ApiResourceType[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, verbs: ['list', 'delete'] },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true, verbs: ['list', 'delete'] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, verbs: ['list'] },
  { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true, verbs: ['list'] },
  { apiVersion: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'] },
];

/** Answers list calls from `objects`, filtering by the label selector's equality terms. */
function fakeClient(objects: KubeObject[], failKind?: string): KubeClient & { listed: string[] } {
  const listed: string[] = [];
  const matches = (o: KubeObject, selector = '') =>
    selector.split(',').filter(Boolean).every((term) => {
      const [k, v] = term.split('=');
      return o.metadata.labels?.[k!] === v;
    });
  return {
    listed,
    server: 'https://127.0.0.1:6443',
    context: 'test',
    discover: async () => types,
    list: async <T extends KubeObject>(apiVersion: string, kind: string, options: ListOptions = {}) => {
      listed.push(kind);
      if (kind === failKind) throw new Error(`list ${kind}: forbidden`);
      return { items: objects.filter((o) => o.kind === kind && matches(o, options.labelSelector)) as T[], resourceVersion: '1' };
    },
  } as unknown as KubeClient & { listed: string[] };
}

const labels = (run: string) => ({ 'app.kubernetes.io/managed-by': 'hardenlab', 'hardenlab.io/run': run });
const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hl-a', labels: labels('run-a'), deletionTimestamp: '2026-01-01T00:00:00Z' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'hl-a', labels: labels('run-a') } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'hl-b', labels: labels('run-b') } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'other', labels: { 'app.kubernetes.io/managed-by': 'helm' } } },
];

test('lists labelled objects of every listable kind, namespaced and cluster-scoped, skipping events', async () => {
  const client = fakeClient(objects);
  expect((await listRunObjectsWith(client, 'run-a')).map(describeLeftover)).toEqual(['Deployment hl-a/web', 'Namespace hl-a (terminating)']);
  expect((await listRunObjectsWith(client)).map(describeLeftover)).toEqual(['Deployment hl-a/web', 'Deployment hl-b/web', 'Namespace hl-a (terminating)']);
  expect(client.listed).not.toContain('Event');
  expect(client.listed).not.toContain('Binding');
  expect(leftoverSelector('run-a')).toBe('app.kubernetes.io/managed-by=hardenlab,hardenlab.io/run=run-a');
});

test('a kind that cannot be listed fails the check instead of hiding leftovers', async () => {
  await expect(listRunObjectsWith(fakeClient(objects, 'ClusterRole'), 'run-a')).rejects.toThrow(/list ClusterRole: forbidden/);
});
