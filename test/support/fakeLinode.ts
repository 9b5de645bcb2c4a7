import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Linode API v4 LKE endpoints (the real API is unreachable here), following the
 * documented contract: Bearer token (401 `Invalid Token` otherwise); JSON error bodies
 * `{ errors: [{ reason, field? }] }` with 400 for invalid input and 404 for unknown ids; collections
 * paginated as `{ data, page, pages, results }` with `page`/`page_size` parameters; the kubeconfig as
 * `{ kubeconfig: <base64> }`, 503 until the cluster can serve it; each pool node's Linode instance at
 * `GET /linode/instances/{id}` (`label`, the Kubernetes node name; `ipv4`, public and private addresses).
 * Listens on 127.0.0.1 only.
 */

export interface FakeLinodeOptions {
  token: string;
  /** The kubeconfig the "cluster" serves (the test bed's, so the rest of the pipeline works). */
  kubeconfig: string;
  /** Pool nodes report `ready` after this many pool listings of a cluster (default 2). */
  readyAfterPolls?: number;
  /** Clusters whose label matches never get ready nodes. */
  neverReadyLabel?: RegExp;
  /** Largest page the fake serves, to exercise pagination (the real API allows 25–500). */
  maxPageSize?: number;
  /** Other clusters on the account (to test finding ours across pages). */
  seedClusters?: number;
  /**
   * The label and IPv4 addresses of the instance behind pool node `index` of the cluster created `nth`
   * (0-based). Default: label `lke<cluster>-<pool>-<hex>`, a public address from 192.0.2.0/24 (never
   * reached) and a private one from Linode's 192.168.128.0/17.
   */
  instance?: (nth: number, index: number) => { label: string; ipv4: string[] };
}

export interface FakeInstance {
  id: number;
  label: string;
  ipv4: string[];
  /** The label of the cluster it belongs to. */
  cluster: string;
}

/** Makes the next request matching `match` (`METHOD /path`) fail with `status`: rate limits (429) and outages (5xx). */
export interface FailureInjection {
  failNext(status: number, match?: RegExp): void;
  /** Makes the next matching request answer `status` (a redirect) with `Location: location`, as a moved or hostile endpoint would. */
  redirectNext(location: string, match?: RegExp, status?: number): void;
}

interface FakeCluster {
  id: number;
  label: string;
  region: string;
  k8s_version: string;
  status: string;
  tags: string[];
  created: string;
  updated: string;
  pools: { id: number; type: string; count: number; nodes: { id: string; instance_id: number; status: string }[] }[];
  poolPolls: number;
}

export interface FakeLinode extends FailureInjection {
  url: string;
  /** Method and path of every request, in order (no headers: the token must not be recorded). */
  requests: string[];
  clusters: Map<number, FakeCluster>;
  /** Every pool node's instance, kept after its cluster is deleted (for assertions). */
  instances: Map<number, FakeInstance>;
  close(): Promise<void>;
}

const REGIONS = new Set(['eu-central', 'eu-west', 'us-east', 'us-central', 'us-west', 'ap-south', 'ap-northeast']);
const VERSIONS = new Set(['1.31', '1.32', '1.33']);
const TYPES = new Set(['g6-standard-1', 'g6-standard-2', 'g6-standard-4', 'g6-dedicated-2']);

type Reply = { status: number; body: unknown };
const error = (status: number, ...errors: { reason: string; field?: string }[]): Reply => ({ status, body: { errors } });

function paginate<T>(items: T[], url: URL, maxPageSize: number): Reply {
  const requested = Number(url.searchParams.get('page_size') ?? 100);
  const pageSize = Math.max(1, Math.min(requested, maxPageSize));
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const page = Number(url.searchParams.get('page') ?? 1);
  if (!Number.isInteger(page) || page < 1 || page > pages) return error(400, { reason: `page must be between 1 and ${pages}`, field: 'page' });
  return { status: 200, body: { data: items.slice((page - 1) * pageSize, page * pageSize), page, pages, results: items.length } };
}

function publicCluster(c: FakeCluster) {
  return { id: c.id, label: c.label, region: c.region, k8s_version: c.k8s_version, status: c.status, tags: c.tags, created: c.created, updated: c.updated };
}

function validateCreate(body: unknown): { reason: string; field?: string }[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: { reason: string; field?: string }[] = [];
  if (typeof b.label !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/.test(b.label))
    errors.push({ reason: 'Label must be 3-32 characters of letters, numbers, dashes and underscores', field: 'label' });
  if (typeof b.region !== 'string' || !REGIONS.has(b.region)) errors.push({ reason: 'region is not valid', field: 'region' });
  if (typeof b.k8s_version !== 'string' || !VERSIONS.has(b.k8s_version)) errors.push({ reason: 'k8s_version is not valid', field: 'k8s_version' });
  const pools = b.node_pools;
  if (!Array.isArray(pools) || pools.length === 0) errors.push({ reason: 'At least one node pool is required', field: 'node_pools' });
  else
    pools.forEach((p: { type?: unknown; count?: unknown }, i) => {
      if (typeof p.type !== 'string' || !TYPES.has(p.type)) errors.push({ reason: 'type is not valid', field: `node_pools[${i}].type` });
      if (typeof p.count !== 'number' || !Number.isInteger(p.count) || p.count < 1 || p.count > 100)
        errors.push({ reason: 'count must be between 1 and 100', field: `node_pools[${i}].count` });
    });
  return errors;
}

export async function startFakeLinode(options: FakeLinodeOptions): Promise<FakeLinode> {
  const clusters = new Map<number, FakeCluster>();
  const instances = new Map<number, FakeInstance>();
  let created = 0;
  const requests: string[] = [];
  const readyAfter = options.readyAfterPolls ?? 2;
  const maxPageSize = options.maxPageSize ?? 500;
  let nextId = 1000;
  const failures: { status: number; match: RegExp }[] = [];
  const redirects: { location: string; status: number; match: RegExp }[] = [];

  const addCluster = (label: string, region: string, version: string, pools: { type: string; count: number }[]): FakeCluster => {
    const id = nextId++;
    const stamp = new Date().toISOString().slice(0, 19);
    const cluster: FakeCluster = {
      id,
      label,
      region,
      k8s_version: version,
      status: 'ready',
      tags: [],
      created: stamp,
      updated: stamp,
      poolPolls: 0,
      pools: pools.map((p, i) => ({
        id: id * 10 + i,
        type: p.type,
        count: p.count,
        nodes: Array.from({ length: p.count }, (_, n) => ({ id: `${id * 10 + i}-${n.toString(16).padStart(8, '0')}`, instance_id: id * 100 + n, status: 'not_ready' })),
      })),
    };
    clusters.set(id, cluster);
    const nth = created++;
    cluster.pools.flatMap((p) => p.nodes).forEach((node, index) => {
      const own = options.instance?.(nth, index) ?? { label: `lke${id}-${node.id}`, ipv4: [`192.0.2.${(nth * 16 + index) % 250 + 1}`, `192.168.${128 + (nth % 100)}.${index + 1}`] };
      instances.set(node.instance_id, { id: node.instance_id, ...own, cluster: label });
    });
    return cluster;
  };
  for (let i = 0; i < (options.seedClusters ?? 0); i++) addCluster(`someone-else-${i}`, 'us-east', '1.33', [{ type: 'g6-standard-2', count: 1 }]);

  const route = (method: string, url: URL, body: unknown): Reply => {
    const parts = url.pathname.replace(/^\/v4/, '').split('/').filter(Boolean);
    if (parts[0] === 'linode' && parts[1] === 'instances' && parts.length === 3 && method === 'GET') {
      const instance = instances.get(Number(parts[2]));
      // An instance goes with its cluster (LKE deletes the pool's Linodes).
      if (!instance || ![...clusters.values()].some((c) => c.label === instance.cluster)) return error(404, { reason: 'Not found' });
      return { status: 200, body: { id: instance.id, label: instance.label, ipv4: instance.ipv4, type: 'g6-standard-1', status: 'running' } };
    }
    if (parts[0] !== 'lke' || parts[1] !== 'clusters') return error(404, { reason: 'Not found' });
    if (parts.length === 2) {
      if (method === 'GET') return paginate([...clusters.values()].map(publicCluster), url, maxPageSize);
      if (method === 'POST') {
        const problems = validateCreate(body);
        if (problems.length) return error(400, ...problems);
        const b = body as { label: string; region: string; k8s_version: string; node_pools: { type: string; count: number }[]; tags?: string[] };
        if ([...clusters.values()].some((c) => c.label === b.label)) return error(400, { reason: 'Label must be unique among your LKE clusters', field: 'label' });
        const cluster = addCluster(b.label, b.region, b.k8s_version, b.node_pools);
        cluster.tags = b.tags ?? [];
        return { status: 200, body: publicCluster(cluster) };
      }
      return error(405, { reason: 'Method not allowed' });
    }
    const cluster = clusters.get(Number(parts[2]));
    if (!cluster) return error(404, { reason: 'Not found' });
    if (parts.length === 3) {
      if (method === 'GET') return { status: 200, body: publicCluster(cluster) };
      if (method === 'DELETE') {
        clusters.delete(cluster.id);
        return { status: 200, body: {} };
      }
      return error(405, { reason: 'Method not allowed' });
    }
    const ready = () => !options.neverReadyLabel?.test(cluster.label) && cluster.poolPolls >= readyAfter;
    if (parts[3] === 'pools' && method === 'GET') {
      cluster.poolPolls++;
      for (const pool of cluster.pools) for (const node of pool.nodes) node.status = ready() ? 'ready' : 'not_ready';
      return paginate(cluster.pools, url, maxPageSize);
    }
    if (parts[3] === 'kubeconfig' && method === 'GET') {
      if (!ready()) return error(503, { reason: 'Cluster kubeconfig is not yet available. Please try again later.' });
      return { status: 200, body: { kubeconfig: Buffer.from(options.kubeconfig, 'utf8').toString('base64') } };
    }
    return error(404, { reason: 'Not found' });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const redirect = redirects.findIndex((r) => r.match.test(`${req.method} ${url.pathname}`));
      if (redirect >= 0) {
        const { location, status } = redirects.splice(redirect, 1)[0]!;
        res.writeHead(status, { Location: location, 'Content-Type': 'application/json' });
        res.end('{}');
        return;
      }
      let reply: Reply;
      const index = failures.findIndex((f) => f.match.test(`${req.method} ${url.pathname}`));
      const injected = index >= 0 ? failures.splice(index, 1)[0]!.status : undefined;
      if (req.headers.authorization !== `Bearer ${options.token}`) reply = error(401, { reason: 'Invalid Token' });
      else if (injected === 429) reply = error(429, { reason: 'Too many requests' });
      else if (injected !== undefined) reply = error(injected, { reason: 'Please try again later' });
      else {
        let body: unknown;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
          reply = route(req.method ?? 'GET', url, body);
        } catch {
          reply = error(400, { reason: 'Invalid JSON' });
        }
      }
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v4`,
    requests,
    clusters,
    instances,
    failNext: (status, match = /.*/) => void failures.push({ status, match }),
    redirectNext: (location, match = /.*/, status = 302) => void redirects.push({ location, status, match }),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
