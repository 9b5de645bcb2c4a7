import { promises as fs } from 'node:fs';
import type { ClusterRef } from '../domain/contracts';
import { loadKubeClient } from '../kube/client';
import type { ToolKubeClient } from './access';

type K8sModule = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

/**
 * The production ToolKubeLoader: the shared KubeClient plus a pod log reader. @kubernetes/client-node is
 * ESM-only, so it is imported on first use. A log request that gets no answer in `logTimeoutMs` rejects.
 */
export async function loadToolKubeClient(cluster: ClusterRef, options: { logTimeoutMs?: number } = {}): Promise<ToolKubeClient> {
  const client = await loadKubeClient(cluster);
  const k8s: K8sModule = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromString(await fs.readFile(cluster.kubeconfigPath, 'utf8'));
  if (cluster.context) kc.setCurrentContext(cluster.context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const timeoutMs = options.logTimeoutMs ?? 30_000;
  return {
    server: client.server,
    apply: (obj, opts) => client.apply(obj, opts),
    get: (apiVersion, kind, name, namespace) => client.get(apiVersion, kind, name, namespace),
    list: (apiVersion, kind, opts) => client.list(apiVersion, kind, opts),
    version: () => client.version(),
    async podLog(namespace, pod, container) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const log = await Promise.race([core.readNamespacedPodLog({ name: pod, namespace, container }), timeout]);
        return typeof log === 'string' ? log : String(log ?? '');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
