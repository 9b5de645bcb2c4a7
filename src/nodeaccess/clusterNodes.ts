/** The nodes a run reaches through the Kubernetes API when no node map lists them: the cluster's own. */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec } from '../config/experiment';
import type { ClusterRef } from '../domain/contracts';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';

export async function clusterNodeNames(kube: Pick<KubeClient, 'list'>): Promise<string[]> {
  const names = (await kube.list<KubeObject>('v1', 'Node')).items.map((node) => node.metadata.name).sort();
  if (names.length === 0)
    throw ApplicationFailure.nonRetryable(
      'the cluster has no nodes to sample (nodeAccess: kubernetes lists them from the API)',
      'NodeAccessRefused',
    );
  return names;
}

/** A resolved cluster spec as the reference activities use (its kubeconfig path is filled in by resolve). */
export function clusterRefOf(cluster: ClusterSpec): ClusterRef {
  return { provider: cluster.provider, kubeconfigPath: cluster.kubeconfigPath!, context: cluster.context };
}
