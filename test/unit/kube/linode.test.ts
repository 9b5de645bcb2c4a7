import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { clusterSchema } from '../../../src/config/experiment';
import type { KubeClient, KubeObject } from '../../../src/kube/kubeObjects';
import { LinodeApi, LinodeFailure, LinodeProvider, LinodeTransientError, lkeClusterLabel, NODE_MAP_UNDERIVABLE, pickAddress, runKubeconfigPath, runNodeMapPath } from '../../../src/providers';
import { loadNodeMap } from '../../../src/ssh/nodeMapFile';
import type { ProvisionContext } from '../../../src/providers';
import { startFakeLinode, type FakeLinode } from '../../support/fakeLinode';

const TOKEN = 'fake-token-0123456789';
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n';

/** Kubernetes as the Linode nodes would report it, for the last readiness stage (the integration test uses the real test bed). */
function nodesClient(readyNodes: number): KubeClient {
  const nodes: KubeObject[] = Array.from({ length: readyNodes }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `lke-node-${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  return { list: async () => ({ items: nodes, resourceVersion: '1' }) } as unknown as KubeClient;
}

describe('LinodeApi against the fake', () => {
  let fake: FakeLinode;
  beforeEach(async () => {
    fake = await startFakeLinode({ token: TOKEN, kubeconfig: KUBECONFIG, maxPageSize: 2, seedClusters: 5 });
  });
  afterEach(() => fake.close());

  it('reads every page of a collection', async () => {
    const api = new LinodeApi(TOKEN, fake.url);
    const created = await api.createCluster({ label: 'hl-test-1', region: 'eu-central', k8s_version: '1.33', node_pools: [{ type: 'g6-standard-1', count: 3 }] });
    const all = await api.listClusters();
    expect(all).toHaveLength(6);
    expect(all.map((c) => c.id)).toContain(created.id);
    expect(fake.requests.filter((r) => r.startsWith('GET /v4/lke/clusters?'))).toHaveLength(3);
  });

  it('turns a 400 into a non-retryable failure listing each field', async () => {
    const api = new LinodeApi(TOKEN, fake.url);
    const err = await api.createCluster({ label: 'x', region: 'mars-1', k8s_version: '1.33', node_pools: [{ type: 'g6-standard-1', count: 0 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(LinodeFailure.InvalidRequest);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/label: .*region: region is not valid.*node_pools\[0\]\.count/);
  });

  describe('a redirect never carries the token', () => {
    /** A second loopback listener: records every request it gets, headers included. */
    let other: http.Server;
    let received: { method?: string; url?: string; authorization?: string }[];
    let otherUrl: string;
    beforeEach(async () => {
      received = [];
      other = http.createServer((req, res) => {
        received.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ data: [], page: 1, pages: 1, results: 0 }));
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
      otherUrl = `http://127.0.0.2:${(other.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise<void>((resolve) => other.close(() => resolve())));

    it.each([301, 302, 303, 307, 308])('%i to another host fails non-retryably, and the other host gets nothing', async (status) => {
      fake.redirectNext(`${otherUrl}/v4/lke/clusters?page=1&page_size=100`, /GET \/v4\/lke\/clusters/, status);
      const err = await new LinodeApi(TOKEN, fake.url).listClusters().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe(LinodeFailure.Redirected);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as Error).message).toContain(`redirect (${status}) to ${otherUrl}: not followed`);
      expect((err as Error).message).not.toContain(TOKEN);
      expect(received).toEqual([]);
    });

    it('a POST redirected (307) does not re-send the body or the token either', async () => {
      fake.redirectNext(`${otherUrl}/v4/lke/clusters`, /POST/, 307);
      const err = await new LinodeApi(TOKEN, fake.url).createCluster({ label: 'hl-redirect', region: 'eu-central', k8s_version: '1.33', node_pools: [{ type: 'g6-standard-1', count: 1 }] }).catch((e: unknown) => e);
      expect((err as ApplicationFailure).type).toBe(LinodeFailure.Redirected);
      expect(received).toEqual([]);
    });
  });

  it('turns a bad token into a non-retryable 401 without echoing it', async () => {
    const api = new LinodeApi('wrong-token-secret', fake.url);
    const err = await api.listClusters().catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe(LinodeFailure.Unauthorized);
    expect((err as Error).message).toContain('Invalid Token');
    expect((err as Error).message).not.toContain('wrong-token-secret');
  });

  it('answers null for the kubeconfig while it is 503 and decodes it after', async () => {
    const api = new LinodeApi(TOKEN, fake.url);
    const { id } = await api.createCluster({ label: 'hl-test-2', region: 'eu-central', k8s_version: '1.33', node_pools: [{ type: 'g6-standard-1', count: 1 }] });
    expect(await api.kubeconfig(id)).toBeNull();
    await api.listPools(id);
    await api.listPools(id);
    expect(await api.kubeconfig(id)).toBe(KUBECONFIG);
    expect(await api.deleteCluster(id)).toBe(true);
    expect(await api.deleteCluster(id)).toBe(false);
    expect(await api.getCluster(id)).toBeNull();
  });

  it('treats rate limits and server errors as retryable', async () => {
    const api = new LinodeApi(TOKEN, fake.url);
    for (const status of [429, 503, 500]) fake.failNext(status);
    for (const status of [429, 503, 500]) {
      const err = await api.listClusters().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LinodeTransientError);
      expect((err as LinodeTransientError).status).toBe(status);
    }
    expect(await api.listClusters()).toHaveLength(5);
  });

  it('treats an unreachable API as retryable', async () => {
    const closed = await startFakeLinode({ token: TOKEN, kubeconfig: KUBECONFIG });
    await closed.close();
    const api = new LinodeApi(TOKEN, closed.url);
    const err = await api.listClusters().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinodeTransientError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });
});

describe('LinodeProvider against the fake', () => {
  let fake: FakeLinode;
  let home: string;
  const env = { HARDENLAB_TEST_LINODE: TOKEN };

  beforeEach(async () => {
    fake = await startFakeLinode({ token: TOKEN, kubeconfig: KUBECONFIG, neverReadyLabel: /stuck/, maxPageSize: 2, seedClusters: 3 });
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-linode-'));
  });
  afterEach(async () => {
    await fake.close();
    await fs.rm(home, { recursive: true, force: true });
  });

  const spec = (overrides: Record<string, unknown> = {}) =>
    clusterSchema.parse({ provider: 'linode', linode: { tokenEnv: 'HARDENLAB_TEST_LINODE', apiUrl: fake.url, ...overrides } });
  const ctx = (runId: string, overrides: Record<string, unknown> = {}): ProvisionContext => ({
    runId,
    spec: spec(overrides),
    home,
    env,
    kube: async () => nodesClient(3),
  });

  it('creates the cluster with the thesis defaults, writes a private kubeconfig, and finds it again on retry', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const first = await provider.provision(ctx('exp-1/baseline/1'));
    expect(first.created).toBe(true);
    expect(first.ref.kubeconfigPath).toBe(runKubeconfigPath(home, 'exp-1/baseline/1'));
    expect(await fs.readFile(first.ref.kubeconfigPath, 'utf8')).toBe(KUBECONFIG);
    expect((await fs.stat(first.ref.kubeconfigPath)).mode & 0o777).toBe(0o600);
    const cluster = fake.clusters.get(Number(first.ref.providerClusterId))!;
    expect(cluster).toMatchObject({ label: lkeClusterLabel('exp-1/baseline/1'), region: 'eu-central', k8s_version: '1.33' });
    expect(cluster.pools).toEqual([expect.objectContaining({ type: 'g6-standard-1', count: 3 })]);
    expect(JSON.stringify(first.ref)).not.toContain(TOKEN);

    const again = await provider.provision(ctx('exp-1/baseline/1'));
    expect(again.ref.providerClusterId).toBe(first.ref.providerClusterId);
    expect(fake.requests.filter((r) => r === 'POST /v4/lke/clusters')).toHaveLength(1);
  });

  it('tears down only its own cluster, and twice safely', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const { ref } = await provider.provision(ctx('run-a'));
    const other = [...fake.clusters.values()].find((c) => c.label.startsWith('someone-else'))!;
    await expect(provider.teardown({ runId: 'run-b', ref, home, env })).rejects.toThrow(/refusing to delete/);
    await expect(provider.teardown({ runId: 'run-a', ref: { ...ref, providerClusterId: String(other.id) }, home, env })).rejects.toThrow(/not this run's/);
    expect(await provider.teardown({ runId: 'run-a', ref, home, env })).toMatchObject({ deleted: true });
    expect(await provider.teardown({ runId: 'run-a', ref, home, env })).toMatchObject({ deleted: false });
    expect(fake.clusters.has(other.id)).toBe(true);
    await expect(fs.access(ref.kubeconfigPath)).rejects.toThrow();
  });

  it('fails a bad create with the API reasons (400), not retryable', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const err = await provider.provision(ctx('run-c', { region: 'atlantis' })).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe(LinodeFailure.InvalidRequest);
    expect((err as Error).message).toContain('region: region is not valid');
  });

  it('fails on a bad token (401) and on a missing one, naming only the variable', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const bad = await provider.provision({ ...ctx('run-d'), env: { HARDENLAB_TEST_LINODE: 'nope' } }).catch((e: unknown) => e);
    expect((bad as ApplicationFailure).type).toBe(LinodeFailure.Unauthorized);
    const missing = await provider.provision({ ...ctx('run-d'), env: {} }).catch((e: unknown) => e);
    expect((missing as ApplicationFailure).type).toBe(LinodeFailure.TokenMissing);
    expect((missing as Error).message).toContain('HARDENLAB_TEST_LINODE');
  });

  it('reads the token from a file', async () => {
    const file = path.join(home, 'token');
    await fs.writeFile(file, `${TOKEN}\n`);
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const { created } = await provider.provision({ ...ctx('run-f', { tokenFile: file }), env: {} });
    expect(created).toBe(true);
  });

  it('gives up on a cluster that never gets ready, deletes it and says why', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 20, readyTimeoutMs: 300 });
    const err = await provider.provision(ctx('stuck-run')).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe(LinodeFailure.ClusterNotReady);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/not ready within 0 s: 0\/3 pool nodes ready.*deleted cluster \d+/);
    expect([...fake.clusters.values()].some((c) => c.label === lkeClusterLabel('stuck-run'))).toBe(false);
  });

  it('heartbeats while waiting and, when cancelled, stops and deletes the cluster it created', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 50, readyTimeoutMs: 60_000 });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    setTimeout(() => env.cancel(), 400);
    const started = Date.now();
    const err = await env.run(() => provider.provision(ctx('stuck-cancelled'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(beats).toBeGreaterThan(2);
    expect([...fake.clusters.values()].some((c) => c.label === lkeClusterLabel('stuck-cancelled'))).toBe(false);
  });

  it('resumes after a transient failure mid-wait: the retry finds its cluster instead of buying another', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    fake.failNext(502, /^GET \/v4\/lke\/clusters\/\d+\/pools$/);
    const err = await provider.provision(ctx('flaky')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinodeTransientError);
    expect((err as Error).message).toMatch(/GET \/lke\/clusters\/\d+\/pools\?page=1&page_size=100 failed \(502\)/);
    const retried = await provider.provision(ctx('flaky'));
    expect(retried.created).toBe(true);
    expect(fake.requests.filter((r) => r === 'POST /v4/lke/clusters')).toHaveLength(1);
    expect([...fake.clusters.values()].filter((c) => c.label === lkeClusterLabel('flaky'))).toHaveLength(1);
  });

  it('waits for the Kubernetes nodes too', async () => {
    // Long enough for the fake's pool nodes to get ready (two listings) on a loaded machine; then only 2 of 3 are Ready.
    const provider = new LinodeProvider({ pollIntervalMs: 20, readyTimeoutMs: 3000 });
    const err = await provider.provision({ ...ctx('run-e'), kube: async () => nodesClient(2) }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('2/3 Kubernetes nodes Ready');
  });
});

describe('LinodeProvider: a node map derived from the cluster it created (cluster.linode.ssh)', () => {
  let fake: FakeLinode;
  let home: string;
  const env = { HARDENLAB_TEST_LINODE: TOKEN };
  /** The nth cluster's nodes: the Kubernetes names nodesClient reports, addresses of their own per cluster. */
  const instance = (nth: number, index: number) => ({ label: `lke-node-${index}`, ipv4: [`203.0.113.${nth * 10 + index + 1}`, `192.168.140.${nth * 10 + index + 1}`] });

  beforeEach(async () => {
    fake = await startFakeLinode({ token: TOKEN, kubeconfig: KUBECONFIG, instance });
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-linode-map-'));
  });
  afterEach(async () => {
    await fake.close();
    await fs.rm(home, { recursive: true, force: true });
  });

  const ssh = { user: 'sampler', privateKeyPath: '/etc/hardenlab/lke_ed25519', knownHostsPath: '/etc/hardenlab/lke_known_hosts' };
  const ctx = (runId: string, linode: Record<string, unknown> = {}, readyNodes = 3): ProvisionContext => ({
    runId,
    spec: clusterSchema.parse({ provider: 'linode', linode: { tokenEnv: 'HARDENLAB_TEST_LINODE', apiUrl: fake.url, ssh, ...linode } }),
    nodeMapPath: '/somewhere/else/nodes.yaml',
    home,
    env,
    kube: async () => nodesClient(readyNodes),
  });

  it('writes each run its own private node map: the instances of its cluster, at their public addresses, with the SSH settings', async () => {
    const provider = new LinodeProvider({ pollIntervalMs: 5, readyTimeoutMs: 5000 });
    const a = await provider.provision(ctx('exp/baseline/1'));
    const b = await provider.provision(ctx('exp/best-practices/1'));
    expect(a.ref.nodeMapPath).toBe(runNodeMapPath(home, 'exp/baseline/1'));
    expect(b.ref.nodeMapPath).toBe(runNodeMapPath(home, 'exp/best-practices/1'));
    expect((await fs.stat(a.ref.nodeMapPath!)).mode & 0o777).toBe(0o600);
    const mapA = await loadNodeMap(a.ref.nodeMapPath!);
    expect(mapA.nodes).toEqual([0, 1, 2].map((i) => expect.objectContaining({ name: `lke-node-${i}`, host: `203.0.113.${i + 1}`, port: 22, ...ssh })));
    expect((await loadNodeMap(b.ref.nodeMapPath!)).nodes.map((n) => n.host)).toEqual(['203.0.113.11', '203.0.113.12', '203.0.113.13']);
    expect(a.derivedNodes).toEqual([0, 1, 2].map((i) => ({ node: `lke-node-${i}`, host: `203.0.113.${i + 1}` })));
    expect(fake.requests.filter((r) => r.startsWith('GET /v4/linode/instances/'))).toHaveLength(6);

    await provider.teardown({ runId: 'exp/baseline/1', ref: a.ref, home, env });
    await expect(fs.access(a.ref.nodeMapPath!)).rejects.toThrow();
    await expect(fs.access(b.ref.nodeMapPath!)).resolves.toBeUndefined();
  });

  it('uses the private addresses when asked', async () => {
    const { ref } = await new LinodeProvider({ pollIntervalMs: 5 }).provision(ctx('run-private', { ssh: { ...ssh, address: 'private' } }));
    expect((await loadNodeMap(ref.nodeMapPath!)).nodes.map((n) => n.host)).toEqual(['192.168.140.1', '192.168.140.2', '192.168.140.3']);
  });

  it('refuses a Kubernetes node that is no instance of the pools, and deletes the cluster it cannot sample', async () => {
    const stranger = { list: async () => ({ items: [...(await nodesClient(3).list('v1', 'Node')).items, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'intruder' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }], resourceVersion: '1' }) } as unknown as KubeClient;
    const err = await new LinodeProvider({ pollIntervalMs: 5 }).provision({ ...ctx('run-stranger'), kube: async () => stranger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(NODE_MAP_UNDERIVABLE);
    expect((err as Error).message).toMatch(/Kubernetes nodes intruder are not instances of the cluster's node pools .*; deleted cluster \d+ so it stops billing/);
    expect(fake.clusters.size).toBe(0);
  });

  it('names the setting when an instance has no address of the asked kind', () => {
    expect(pickAddress(['192.168.130.7'], 'public')).toBeUndefined();
    expect(pickAddress(['192.168.130.7', '198.51.100.4'], 'public')).toBe('198.51.100.4');
    expect(pickAddress(['198.51.100.4', '192.168.127.1'], 'private')).toBeUndefined();
  });
});
