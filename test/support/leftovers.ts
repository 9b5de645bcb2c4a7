/**
 * The cleanup guarantee's check: every object on the cluster labelled as hardenlab's (and with the run's
 * label when a run id is given), across every namespaced and cluster-scoped type the API serves.
 */
import { loadKubeClient } from '../../src/kube/client';
import { runLabelSelector } from '../../src/kube/manifests';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeClient } from '../../src/kube/kubeObjects';

export interface LeftoverObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Set when the object is already being deleted (a finalizer may still hold it). */
  terminating: boolean;
}

/** Not labelled by hardenlab, or not objects one lists (events are copies, not owned state). */
const SKIPPED_KINDS = new Set(['Event', 'Binding', 'ComponentStatus']);

export function leftoverSelector(runId?: string): string {
  return runId ? runLabelSelector(runId) : `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
}

export async function listRunObjectsWith(client: KubeClient, runId?: string): Promise<LeftoverObject[]> {
  const labelSelector = leftoverSelector(runId);
  const found: LeftoverObject[] = [];
  const types = (await client.discover()).filter((t) => t.verbs.includes('list') && !SKIPPED_KINDS.has(t.kind));
  for (const type of types) {
    // A failure to list a type must fail the check, not hide leftovers: no catch here.
    const { items } = await client.list(type.apiVersion, type.kind, { labelSelector });
    for (const o of items) {
      found.push({
        apiVersion: type.apiVersion,
        kind: type.kind,
        name: o.metadata.name,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        terminating: Boolean(o.metadata.deletionTimestamp),
      });
    }
  }
  return found.sort((a, b) => describeLeftover(a).localeCompare(describeLeftover(b)));
}

/** Every hardenlab object (of one run when `runId` is given) on the cluster the kubeconfig points to. */
export async function listRunObjects(kubeconfigPath: string, runId?: string, context?: string): Promise<LeftoverObject[]> {
  return listRunObjectsWith(await loadKubeClient({ kubeconfigPath, context }), runId);
}

export function describeLeftover(o: LeftoverObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}${o.terminating ? ' (terminating)' : ''}`;
}

/** Deletes a run's leftovers after a test that failed half-way, so the shared test bed stays clean. */
export async function deleteRunObjects(kubeconfigPath: string, runId: string): Promise<void> {
  const client = await loadKubeClient({ kubeconfigPath });
  const left = await listRunObjectsWith(client, runId);
  // Namespaced objects first, then namespaces and cluster-scoped objects.
  for (const o of [...left.filter((o) => o.namespace), ...left.filter((o) => !o.namespace)]) {
    await client.delete(o.apiVersion, o.kind, o.name, o.namespace).catch(() => undefined);
  }
}
