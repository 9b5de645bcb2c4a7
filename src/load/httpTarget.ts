/**
 * Where the HTTP load goes (issue 27): the app's Service in the run's namespace, at the address its load balancer
 * gave it (load sent from the worker) or its cluster address (from a load pod), and the port it serves, all read from
 * the cluster by the worker. Never from the workflow input, which
 * names only a request set and a rate (trust boundary): a run cannot point the worker's traffic elsewhere.
 */
import { APP_NAME } from '../kube/manifests';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';

interface ServiceShape {
  spec?: { clusterIP?: string; ports?: { port?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** The app's base URL, or why there is none (the reason the load was not sent). */
export async function appServiceTarget(client: KubeClient, namespace: string): Promise<{ url: string } | { why: string }> {
  const service = await client.get<KubeObject & ServiceShape>('v1', 'Service', APP_NAME, namespace);
  if (!service) return { why: `the app's Service ${APP_NAME} is not in ${namespace}` };
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  const address = ingress?.ip ?? ingress?.hostname;
  if (!address) return { why: `the app's Service ${APP_NAME} in ${namespace} has no load-balancer address` };
  const port = service.spec?.ports?.[0]?.port;
  if (!port) return { why: `the app's Service ${APP_NAME} in ${namespace} serves no port` };
  return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}` };
}

/** The app's Service at its cluster address (ClusterIP and port), for a load pod in the run's namespace; or why not. */
export async function appClusterTarget(client: KubeClient, namespace: string): Promise<{ url: string } | { why: string }> {
  const service = await client.get<KubeObject & ServiceShape>('v1', 'Service', APP_NAME, namespace);
  if (!service) return { why: `the app's Service ${APP_NAME} is not in ${namespace}` };
  const address = service.spec?.clusterIP;
  if (!address || address === 'None') return { why: `the app's Service ${APP_NAME} in ${namespace} has no cluster address` };
  const port = service.spec?.ports?.[0]?.port;
  if (!port) return { why: `the app's Service ${APP_NAME} in ${namespace} serves no port` };
  return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}` };
}
