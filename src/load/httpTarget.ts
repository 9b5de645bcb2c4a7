/**
 * Where the HTTP load goes (issue 27): the app's Service in the run's namespace, at the address its load balancer
 * gave it and the port it serves, both read from the cluster by the worker. Never from the workflow input, which
 * names only a request set and a rate (trust boundary): a run cannot point the worker's traffic elsewhere.
 */
import { APP_NAME } from '../kube/manifests';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';

interface ServiceShape {
  spec?: { ports?: { port?: number }[] };
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
