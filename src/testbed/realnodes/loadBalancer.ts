import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeClient, KubeObject } from '../../kube/kubeObjects';
import { forwardIn, stopForward, type NamespaceBed } from './forwards';
import type { Log } from '../../process/subprocess';

/**
 * The test bed's load balancer, as a cloud provider gives one (kind's cloud-provider-kind does the same for kind).
 * Every Service of type LoadBalancer gets an address from a pool on host loopback, written to its status, and each of
 * its ports is forwarded from there into the namespace, to that port's NodePort on the first node (kube-proxy there
 * sends it on to a pod on any node). Nothing leaves the namespace: the forwards are unix-socket pairs (forwards.ts).
 */
export interface LoadBalancerConfig extends NamespaceBed {
  kubeconfigPath: string;
  /** Loopback addresses handed out, in order. */
  pool: string[];
  /** The node address inside the namespace whose NodePorts the forwards reach. */
  target: string;
}

/** What the load balancer needs of the API: the Service list and their status subresource. */
export type LoadBalancerKube = Pick<KubeClient, 'list'> & Required<Pick<KubeClient, 'patchStatus'>>;

export interface LoadBalancedService {
  uid: string;
  namespace: string;
  name: string;
  /** The address in its status now (undefined before one is written). */
  ingressIp?: string;
  ports: { port: number; nodePort?: number }[];
}

export interface PlannedForward {
  /** Forward name: lb-<uid>-<port>. */
  name: string;
  address: string;
  port: number;
  target: string;
}

/** One pass's work: addresses to hand out (with their forwards), statuses to write, and addresses to take back. */
export interface LoadBalancerPlan {
  assign: { uid: string; service: string; address: string; forwards: PlannedForward[] }[];
  patch: { namespace: string; name: string; address: string }[];
  release: string[];
  /** Services no free address was left for (namespace/name). */
  unplaced: string[];
}

interface ServiceJson {
  metadata: { uid?: string; namespace?: string; name: string };
  spec?: { type?: string; ports?: { port?: number; nodePort?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

/** The Services of type LoadBalancer in a Service list. */
export function loadBalancedServices(items: readonly KubeObject[]): LoadBalancedService[] {
  return (items as unknown as ServiceJson[])
    .filter((svc) => svc.spec?.type === 'LoadBalancer' && svc.metadata.uid)
    .map((svc) => ({
      uid: svc.metadata.uid!,
      namespace: svc.metadata.namespace ?? 'default',
      name: svc.metadata.name,
      ingressIp: svc.status?.loadBalancer?.ingress?.[0]?.ip,
      ports: (svc.spec?.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [{ port: p.port, nodePort: p.nodePort }])),
    }));
}

/**
 * What one pass does, given the Services and the addresses already handed out (uid -> address). Addresses of deleted
 * Services are taken back first, so they are free for new ones; a port without a NodePort (yet) gets no forward.
 */
export function planLoadBalancer(
  services: readonly LoadBalancedService[],
  assigned: ReadonlyMap<string, string>,
  pool: readonly string[],
  target: string,
): LoadBalancerPlan {
  const seen = new Set(services.map((svc) => svc.uid));
  const release = [...assigned.keys()].filter((uid) => !seen.has(uid));
  const taken = new Set([...assigned].filter(([uid]) => seen.has(uid)).map(([, address]) => address));
  const plan: LoadBalancerPlan = { assign: [], patch: [], release, unplaced: [] };
  for (const svc of services) {
    let address = assigned.get(svc.uid);
    if (address === undefined) {
      address = pool.find((candidate) => !taken.has(candidate));
      if (address === undefined) {
        plan.unplaced.push(`${svc.namespace}/${svc.name}`);
        continue;
      }
      taken.add(address);
      const at = address;
      const forwards = svc.ports.flatMap((p) =>
        p.nodePort === undefined ? [] : [{ name: `lb-${svc.uid}-${p.port}`, address: at, port: p.port, target: `${target}:${p.nodePort}` }],
      );
      plan.assign.push({ uid: svc.uid, service: `${svc.namespace}/${svc.name}`, address, forwards });
    }
    if (svc.ingressIp !== address) plan.patch.push({ namespace: svc.namespace, name: svc.name, address });
  }
  return plan;
}

const lbDir = (config: LoadBalancerConfig) => path.join(config.state, 'lb');
const addressFile = (config: LoadBalancerConfig, uid: string) => path.join(lbDir(config), `${uid}.address`);

/** The addresses handed out, as kept on disk (uid -> address): a restarted load balancer keeps them. */
export function assignedAddresses(config: LoadBalancerConfig): Map<string, string> {
  const dir = lbDir(config);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => file.endsWith('.address')) : [];
  return new Map(files.map((file) => [file.slice(0, -'.address'.length), fs.readFileSync(path.join(dir, file), 'utf8').trim()]));
}

/** Takes an address back: stops the forwards of that Service and forgets the address. */
export async function releaseAddress(config: LoadBalancerConfig, uid: string): Promise<void> {
  const prefix = `fwd-lb-${uid}-`;
  const pids = path.join(config.state, 'pids');
  const names = fs.existsSync(pids) ? fs.readdirSync(pids).filter((f) => f.startsWith(prefix) && f.endsWith('-host.pid')) : [];
  for (const file of names) await stopForward(config, file.slice('fwd-'.length, -'-host.pid'.length));
  fs.rmSync(addressFile(config, uid), { force: true });
}

/** One pass: list the Services, hand out and take back addresses, write statuses. Failures are logged; the next pass retries. */
export async function syncLoadBalancer(
  config: LoadBalancerConfig,
  kube: LoadBalancerKube,
  log: Log,
  forward: typeof forwardIn = forwardIn,
): Promise<void> {
  let items: KubeObject[];
  try {
    items = (await kube.list<KubeObject>('v1', 'Service')).items;
  } catch (error) {
    log(`load balancer: listing Services failed (retried): ${(error as Error).message}`);
    return;
  }
  const plan = planLoadBalancer(loadBalancedServices(items), assignedAddresses(config), config.pool, config.target);
  for (const uid of plan.release) {
    await releaseAddress(config, uid);
    log(`load balancer: released the address of Service uid ${uid} (deleted)`);
  }
  for (const service of plan.unplaced) log(`load balancer: no free address for ${service}`);
  const unforwarded = new Set<string>();
  for (const { uid, service, address, forwards } of plan.assign) {
    // A forward that fails (a slow start on a loaded host, a port someone else holds) ends this Service's turn, not
    // the pass: its forwards are stopped and its address not kept, so the next pass tries it again from the start.
    const failed = await forwardAll(config, forwards, forward).catch((error: Error) => error);
    if (failed) {
      unforwarded.add(service);
      for (const f of forwards) await stopForward(config, f.name);
      log(`load balancer: no forward for ${service} on ${address} (retried): ${failed.message}`);
      continue;
    }
    fs.mkdirSync(lbDir(config), { recursive: true });
    fs.writeFileSync(addressFile(config, uid), `${address}\n`, { mode: 0o600 });
    log(`load balancer: ${service} on ${address} (${forwards.map((f) => `${f.port} -> ${f.target}`).join(', ')})`);
  }
  for (const { namespace, name, address } of plan.patch.filter((p) => !unforwarded.has(`${p.namespace}/${p.name}`))) {
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace } };
    await kube
      .patchStatus(svc, { loadBalancer: { ingress: [{ ip: address }] } })
      .catch((error: Error) => log(`load balancer: setting the address of ${namespace}/${name} failed (retried): ${error.message}`));
  }
}

async function forwardAll(config: LoadBalancerConfig, forwards: PlannedForward[], forward: typeof forwardIn): Promise<undefined> {
  for (const f of forwards) await forward(config, f.name, f.address, f.port, f.target);
  return undefined;
}
