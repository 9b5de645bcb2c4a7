/**
 * Node access through the Kubernetes API (issue 24, first step): the connector the composition root
 * builds when the worker config says `nodeAccess: kubernetes`.
 */
import type { ClusterRef } from '../domain/contracts';
import { loadKubeClient } from '../kube/client';
import { KubeNodeConnector } from './connector';
import { ClientNodePodExec } from './exec';

export * from './connector';
export * from './cost';
export * from './exec';
export * from './accessPod';
export * from './nodeFit';
export * from './podSession';
export * from './sysstatKitCopy';

/** The production connector for one cluster: client-node loaded lazily, the kubeconfig read per connection. */
export function createKubeNodeConnector(
  cluster: Pick<ClusterRef, 'kubeconfigPath' | 'context'>,
  options: { image: string; tolerations?: readonly string[]; podReadyTimeoutMs?: number },
): KubeNodeConnector {
  return new KubeNodeConnector({
    kube: () => loadKubeClient(cluster),
    podExec: () => ClientNodePodExec.load(cluster.kubeconfigPath, cluster.context),
    image: options.image,
    tolerations: options.tolerations ?? [],
    podReadyTimeoutMs: options.podReadyTimeoutMs,
  });
}
