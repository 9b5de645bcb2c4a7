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
      } catch (error) {
        throw new Error(describeApiError(error));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** `HTTP 500: <the API server's Status message>` instead of client-node's multi-line dump. */
export function describeApiError(error: unknown): string {
  const { code, body, message } = (error ?? {}) as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof code === 'number') {
    let detail = typeof body === 'string' ? body : '';
    try {
      const status = JSON.parse(detail) as { message?: unknown };
      if (typeof status.message === 'string') detail = status.message;
    } catch {
      // not a Status object: keep the body text
    }
    return `HTTP ${code}${detail ? `: ${detail.slice(0, 300)}` : ''}`;
  }
  return typeof message === 'string' ? message.split('\n')[0]! : String(error);
}
