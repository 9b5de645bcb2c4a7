import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parse, stringify } from 'yaml';
import { createClusterActivities } from '../../activities/cluster';
import { clusterSchema, hardeningSchema, workloadSchema, type WorkloadSpec } from '../../src/config/experiment';
import type { ClusterRef, DeployRequest, DeployResult, ResetResult } from '../../src/domain/contracts';
import { loadKubeClient } from '../../src/kube/client';
import { failureTypeOf, KubeFailure, KubeTransient } from '../../src/kube/kubeFailures';
import { APP_NAME, runLabelSelector, runLabels, workloadDeployment } from '../../src/kube/manifests';
import type { KubeClient, KubeObject } from '../../src/kube/kubeObjects';
import { LinodeFailure, LinodeProvider } from '../../src/providers';
import { ArtifactStore } from '../../src/store/artifactStore';
import { startFakeLinode, type FakeLinode } from '../support/fakeLinode';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { realClusterDeps } from '../support/activityDeps';

jest.setTimeout(300_000);

const suffix = Date.now().toString(36);
const runIds = {
  baseline: `it-${suffix}-baseline`,
  hardened: `it-${suffix}-bp`,
  lb: `it-${suffix}-lb`,
  denied: `it-${suffix}-denied`,
  root: `it-${suffix}-root`,
};
const namespaceOf = (runId: string) => `hl-${runId}`;
const LINODE_TOKEN = 'integration-fake-token';

let tb: Testbed;
let home: string;
let ref: ClusterRef;
let admin: KubeClient;
let fake: FakeLinode;
let activities: ReturnType<typeof createClusterActivities>;

/** A copy of the test bed kubeconfig with `edit` applied, its file references made absolute. */
async function kubeconfigVariant(name: string, edit: (config: KubeconfigDoc) => void): Promise<string> {
  const config = parse(await fs.readFile(tb.kubeconfigPath, 'utf8')) as KubeconfigDoc;
  const base = path.dirname(tb.kubeconfigPath);
  const absolute = (p: unknown) => (typeof p === 'string' && !path.isAbsolute(p) ? path.join(base, p) : p);
  for (const c of config.clusters ?? []) c.cluster['certificate-authority'] = absolute(c.cluster['certificate-authority']);
  for (const u of config.users ?? []) {
    u.user['client-certificate'] = absolute(u.user['client-certificate']);
    u.user['client-key'] = absolute(u.user['client-key']);
  }
  edit(config);
  const file = path.join(home, `kubeconfig-${name}`);
  await fs.writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}
interface KubeconfigDoc {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string }[];
}

function workload(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return workloadSchema.parse({ loadBalancerWaitSeconds: 10, ...overrides });
}

function deployRequest(runId: string, hardened: boolean, w: WorkloadSpec = workload()): DeployRequest {
  return { runId, cluster: ref, namespace: namespaceOf(runId), scenario: hardened ? 'best-practices' : 'baseline', workload: w, hardened };
}

async function labelled(runId: string): Promise<string[]> {
  const found: string[] = [];
  for (const type of (await admin.discover()).filter((t) => t.verbs.includes('list') && t.kind !== 'Event')) {
    const { items } = await admin
      .list(type.apiVersion, type.kind, { labelSelector: runLabelSelector(runId) })
      .catch(() => ({ items: [] as KubeObject[] }));
    found.push(...items.map((o) => `${type.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  }
  return found;
}

async function runningPods(runId: string): Promise<number> {
  const pods = await admin.list('v1', 'Pod', { namespace: namespaceOf(runId), labelSelector: runLabelSelector(runId) });
  return pods.items.filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running' && !p.metadata.deletionTimestamp)
    .length;
}

beforeAll(async () => {
  tb = await ensureTestbed();
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-cluster-it-'));
  fake = await startFakeLinode({
    token: LINODE_TOKEN,
    kubeconfig: await fs.readFile(tb.kubeconfigPath, 'utf8'),
    neverReadyLabel: /stuck/,
    maxPageSize: 2,
    seedClusters: 3,
  });
  activities = createClusterActivities(
    realClusterDeps(
      { HARDENLAB_IT_LINODE_TOKEN: LINODE_TOKEN },
      {
        store: new ArtifactStore(home),
        providers: { linode: new LinodeProvider({ pollIntervalMs: 50, readyTimeoutMs: 3000 }) },
        timeouts: { noLoadBalancerControllerGraceMs: 3000, resetMs: 120_000, rolloutMs: 120_000, httpCheckMs: 10_000 },
      },
    ),
  );
  ref = { provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath, nodeMapPath: tb.nodeMapPath };
  admin = await loadKubeClient(ref);
});

afterAll(async () => {
  // Leave the shared test bed as found, whatever failed above.
  if (activities)
    for (const runId of Object.values(runIds))
      await activities.resetCluster({ runId, cluster: ref, namespace: namespaceOf(runId) }).catch(() => undefined);
  await fake?.close();
  if (home) await fs.rm(home, { recursive: true, force: true });
});

describe('provision', () => {
  it('kubeconfig: checks access and records the facts of the test bed, twice alike', async () => {
    const spec = clusterSchema.parse({ provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath });
    const first = await activities.provisionCluster({ runId: runIds.baseline, cluster: spec, nodeMapPath: tb.nodeMapPath });
    expect(first.created).toBe(false);
    expect(first.cluster).toMatchObject({ provider: 'kubeconfig', kubeconfigPath: tb.kubeconfigPath, nodeMapPath: tb.nodeMapPath });
    expect(first.facts.kubernetesVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(first.facts.nodeCount).toBe(tb.nodeNames.length);
    expect(first.facts.nodes.map((n) => n.name).sort()).toEqual([...tb.nodeNames].sort());
    expect(first.facts.cni).toBeUndefined(); // the test bed has no network plugin
    const second = await activities.provisionCluster({ runId: runIds.baseline, cluster: spec, nodeMapPath: tb.nodeMapPath });
    expect(second).toEqual(first);
  });

  it('local: reuses the running test bed with its kubeconfig and node map', async () => {
    const result = await activities.provisionCluster({ runId: runIds.baseline, cluster: clusterSchema.parse({ provider: 'local' }) });
    expect(result.cluster).toMatchObject({ provider: 'local', kubeconfigPath: tb.kubeconfigPath, nodeMapPath: tb.nodeMapPath });
    expect(result.facts.nodeCount).toBe(tb.nodeNames.length);
    expect((await activities.teardownCluster({ runId: runIds.baseline, cluster: result.cluster })).deleted).toBe(false);
  });

  it('linode (fake API): creates, waits, writes the kubeconfig, records facts, tears down', async () => {
    const spec = clusterSchema.parse({ provider: 'linode', linode: { apiUrl: fake.url, tokenEnv: 'HARDENLAB_IT_LINODE_TOKEN' } });
    const result = await activities.provisionCluster({ runId: `it-${suffix}-lke`, cluster: spec });
    expect(result.created).toBe(true);
    expect(result.cluster.kubeconfigPath.startsWith(home)).toBe(true);
    expect((await fs.stat(result.cluster.kubeconfigPath)).mode & 0o777).toBe(0o600);
    expect(result.facts).toMatchObject({ provider: 'linode', nodeCount: tb.nodeNames.length });
    expect(JSON.stringify(result)).not.toContain(LINODE_TOKEN);
    const again = await activities.provisionCluster({ runId: `it-${suffix}-lke`, cluster: spec });
    expect(again.cluster.providerClusterId).toBe(result.cluster.providerClusterId);
    expect((await activities.teardownCluster({ runId: `it-${suffix}-lke`, cluster: result.cluster })).deleted).toBe(true);
    expect((await activities.teardownCluster({ runId: `it-${suffix}-lke`, cluster: result.cluster })).deleted).toBe(false);
    expect(fake.clusters.has(Number(result.cluster.providerClusterId))).toBe(false);
  });

  it('linode (fake API): a refused create, a bad token and a cluster that never gets ready fail clearly', async () => {
    const spec = (linode: Record<string, unknown>) =>
      clusterSchema.parse({ provider: 'linode', linode: { apiUrl: fake.url, tokenEnv: 'HARDENLAB_IT_LINODE_TOKEN', ...linode } });
    const refused = await activities
      .provisionCluster({ runId: `it-${suffix}-bad`, cluster: spec({ nodeType: 'g9-imaginary' }) })
      .catch((e: unknown) => e);
    expect(failureTypeOf(refused)).toBe(LinodeFailure.InvalidRequest);
    expect((refused as Error).message).toContain('node_pools[0].type');
    const badToken = createClusterActivities(realClusterDeps({ HARDENLAB_IT_LINODE_TOKEN: 'wrong' }, { store: new ArtifactStore(home) }));
    const unauthorized = await badToken.provisionCluster({ runId: `it-${suffix}-bad`, cluster: spec({}) }).catch((e: unknown) => e);
    expect(failureTypeOf(unauthorized)).toBe(LinodeFailure.Unauthorized);
    const stuck = await activities.provisionCluster({ runId: `stuck-${suffix}`, cluster: spec({}) }).catch((e: unknown) => e);
    expect(failureTypeOf(stuck)).toBe(LinodeFailure.ClusterNotReady);
    expect((stuck as ApplicationFailure).nonRetryable).toBe(true);
    expect((stuck as Error).message).toMatch(/was not ready within 3 s.*deleted cluster/);
  });

  it('classifies a missing kubeconfig, an unknown context and an unreachable server', async () => {
    const missing = path.join(home, 'does-not-exist');
    const e1 = await activities
      .provisionCluster({ runId: 'x', cluster: clusterSchema.parse({ kubeconfigPath: missing }) })
      .catch((e: unknown) => e);
    expect(failureTypeOf(e1)).toBe(KubeFailure.KubeconfigMissing);
    expect((e1 as Error).message).toContain(missing);
    const e2 = await activities
      .provisionCluster({ runId: 'x', cluster: clusterSchema.parse({ kubeconfigPath: tb.kubeconfigPath, context: 'no-such-context' }) })
      .catch((e: unknown) => e);
    expect(failureTypeOf(e2)).toBe(KubeFailure.KubeContextUnknown);
    expect((e2 as Error).message).toContain('no-such-context');
    const unreachable = await kubeconfigVariant('unreachable', (c) => {
      for (const cl of c.clusters ?? []) cl.cluster.server = 'https://127.0.0.1:1';
    });
    const e3 = await activities
      .provisionCluster({ runId: 'x', cluster: clusterSchema.parse({ kubeconfigPath: unreachable }) })
      .catch((e: unknown) => e);
    expect(e3).not.toBeInstanceOf(ApplicationFailure);
    expect((e3 as Error).name).toBe(KubeTransient.Unreachable);
    expect((e3 as Error).message).toContain('https://127.0.0.1:1');
  });

  it('names what an impersonated user without rights lacks (403, not retryable)', async () => {
    const nobody = await kubeconfigVariant('nobody', (c) => {
      for (const u of c.users ?? []) u.user.as = 'hardenlab-nobody';
    });
    const err = await activities
      .provisionCluster({ runId: runIds.denied, cluster: clusterSchema.parse({ kubeconfigPath: nobody }) })
      .catch((e: unknown) => e);
    expect(failureTypeOf(err)).toBe(KubeFailure.KubeForbidden);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/lacks \d+ permission\(s\).*create namespaces.*patch apps\/deployments/);
    const deployErr = await activities
      .deployWorkload({ ...deployRequest(runIds.denied, false), cluster: { provider: 'kubeconfig', kubeconfigPath: nobody } })
      .catch((e: unknown) => e);
    expect(failureTypeOf(deployErr)).toBe(KubeFailure.KubeForbidden);
    expect((deployErr as Error).message).toMatch(/forbidden: cannot apply v1 Namespace "hl-it-.*-denied"/);
    expect((deployErr as Error).message).toContain('hardenlab-nobody');
  });
});

describe('deploy', () => {
  it('rolls out 3 replicas, scales to 5 (timed from watches), records the LoadBalancer as pending; converges when repeated', async () => {
    const first = await activities.deployWorkload(deployRequest(runIds.baseline, false));
    process.stderr.write(
      `[cluster-it] baseline rollout ${first.rolloutSeconds.toFixed(2)} s, scale-up ${first.scaleUpSeconds.toFixed(2)} s\n`,
    );
    expect(first.image).toBe('thenetworkchuck/nccoffee:pourover');
    expect(first.rolloutSeconds).toBeGreaterThan(0);
    expect(first.scaleUpSeconds).toBeGreaterThan(0);
    expect(first.replicas).toBe(5);
    expect(first.service).toEqual({ type: 'LoadBalancer', address: null, pending: true });
    expect(first.events.some((e) => e.reason === 'ScalingReplicaSet')).toBe(true);
    expect(first.events.some((e) => e.reason === 'LoadBalancerPending')).toBe(true);
    expect(await runningPods(runIds.baseline)).toBe(5);

    const second = await activities.deployWorkload(deployRequest(runIds.baseline, false));
    expect(second.replicas).toBe(5);
    process.stderr.write(
      `[cluster-it] baseline again: rollout ${second.rolloutSeconds.toFixed(2)} s, scale-up ${second.scaleUpSeconds.toFixed(2)} s\n`,
    );
    const deployments = await admin.list('apps/v1', 'Deployment', { namespace: namespaceOf(runIds.baseline) });
    expect(deployments.items.map((d) => d.metadata.name)).toEqual([APP_NAME]);
    expect(deployments.items[0]!.metadata.labels).toMatchObject(runLabels(runIds.baseline));
    const svc = await admin.get('v1', 'Service', APP_NAME, namespaceOf(runIds.baseline));
    expect((svc!.spec as { type: string }).type).toBe('LoadBalancer');
  });

  it('waits for a load-balancer address when one comes and checks the site over HTTP', async () => {
    // The test acts as the load-balancer controller the test bed lacks: it sets 127.0.0.1 as the Service's address.
    const site = http.createServer((_, res) => res.end('<h1>coffee</h1>'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const port = (site.address() as AddressInfo).port;
    let stopped = false;
    const controller = (async () => {
      while (!stopped) {
        const svc = await admin.get('v1', 'Service', APP_NAME, namespaceOf(runIds.lb)).catch(() => null);
        if (svc) {
          await admin.patchStatus!(svc, { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } });
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const result = await activities.deployWorkload(deployRequest(runIds.lb, false, workload({ port, replicas: 1, scaleTo: 2 })));
      expect(result.service).toEqual({ type: 'LoadBalancer', address: '127.0.0.1', pending: false, httpStatus: 200 });
    } finally {
      stopped = true;
      await controller;
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it('heartbeats while it waits (in an activity context)', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result: DeployResult = await env.run(
      activities.deployWorkload,
      deployRequest(runIds.baseline, false, workload({ replicas: 2, scaleTo: 4 })),
    );
    expect(result.replicas).toBe(4);
    expect(beats.length).toBeGreaterThan(0);
  });
});

describe('harden', () => {
  it('enforces restricted, binds a least-privilege Role, applies NetworkPolicies, and proves it; converges when repeated', async () => {
    const deployed = await activities.deployWorkload(deployRequest(runIds.hardened, true));
    process.stderr.write(
      `[cluster-it] hardened rollout ${deployed.rolloutSeconds.toFixed(2)} s, scale-up ${deployed.scaleUpSeconds.toFixed(2)} s\n`,
    );
    expect(deployed.image).toBe(workload().hardenedImage);
    const req = { runId: runIds.hardened, cluster: ref, namespace: namespaceOf(runIds.hardened), hardening: hardeningSchema.parse({}) };
    for (const attempt of [1, 2]) {
      const result = await activities.hardenNamespace(req);
      const failed = result.evidence.filter((e) => !e.passed);
      expect(failed).toEqual([]);
      expect(result.evidence.length).toBeGreaterThanOrEqual(9);
      expect(result.podSecurity).toEqual({ enforce: 'restricted', audit: 'restricted', warn: 'restricted' });
      expect(result.rbac.user).toBe('tester');
      const probe = result.evidence.find((e) => e.check.includes('privileged root pod'))!;
      expect(probe.detail).toMatch(/violates PodSecurity "restricted:latest"/);
      expect(result.notes.join(' ')).toMatch(/stored but not enforced: no network plugin/);
      if (attempt === 2)
        process.stderr.write(
          `[cluster-it] harden evidence:\n${result.evidence.map((e) => `  ${e.passed ? 'ok ' : 'BAD'} ${e.check}`).join('\n')}\n`,
        );
    }
    // Deploy again after hardening: the PSA labels survive, the compliant pods still roll out.
    await activities.deployWorkload(deployRequest(runIds.hardened, true));
    const ns = await admin.get('v1', 'Namespace', namespaceOf(runIds.hardened));
    expect(ns!.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(await runningPods(runIds.hardened)).toBe(5);
  });

  it('fails the workload evidence for the thesis root image under restricted, and binds another user', async () => {
    const runId = runIds.root;
    const req = { runId, cluster: ref, namespace: namespaceOf(runId), hardening: hardeningSchema.parse({ rbacUser: 'alice' }) };
    await activities.hardenNamespace(req);
    // The root image, as the baseline deploys it (applied directly: its pods can never start here).
    await admin.apply(workloadDeployment({ runId, namespace: req.namespace }, workload(), { hardened: false, replicas: 1 }));
    const result = await activities.hardenNamespace(req);
    const workloadCheck = result.evidence.find((e) => e.check.includes('workload pod template'))!;
    expect(workloadCheck.passed).toBe(false);
    expect(workloadCheck.detail).toMatch(/PodSecurity/);
    expect(result.evidence.find((e) => e.check.includes('alice can manage deployments'))?.passed).toBe(true);
    expect(result.evidence.filter((e) => !e.passed)).toHaveLength(1);
  });
});

describe('a rollout that cannot finish', () => {
  // In the restricted namespace of the previous test the root image's pods are refused, so the rollout never completes.
  it('times out as a retryable error naming the replica counts', async () => {
    const quick = createClusterActivities(realClusterDeps(process.env, { store: new ArtifactStore(home), timeouts: { rolloutMs: 2000 } }));
    const err = await quick.deployWorkload(deployRequest(runIds.root, false)).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).name).toBe(KubeTransient.Timeout);
    expect((err as Error).message).toMatch(
      /rollout of Deployment hardenlab-web to 3 replicas; last state: replicas 0, updated 0, ready 0, available 0/,
    );
  });

  it('stops promptly when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment();
    const started = Date.now();
    const running = env.run(activities.deployWorkload, deployRequest(runIds.root, false));
    setTimeout(() => env.cancel(), 1500);
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('reset', () => {
  it('deletes everything labelled with the run, cluster-scoped objects included, and nothing else; safe twice', async () => {
    const clusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `hl-${runIds.baseline}-reader`, labels: runLabels(runIds.baseline) },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
    };
    await admin.apply(clusterRole);
    const unrelated = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `hl-${suffix}-keep`, namespace: 'default', labels: runLabels(`${runIds.baseline}-other`) },
      data: { a: 'b' },
    };
    await admin.apply(unrelated);
    try {
      const env = new MockActivityEnvironment();
      let beats = 0;
      env.on('heartbeat', () => beats++);
      const first: ResetResult = await env.run(activities.resetCluster, {
        runId: runIds.baseline,
        cluster: ref,
        namespace: namespaceOf(runIds.baseline),
      });
      expect(first.leftovers).toEqual([]);
      const kinds = new Set(first.removed.map((r) => r.kind));
      for (const kind of ['Namespace', 'Deployment', 'Service', 'ClusterRole']) expect(kinds).toContain(kind);
      expect(beats).toBeGreaterThan(0);
      expect(await labelled(runIds.baseline)).toEqual([]);
      expect(await admin.get('v1', 'Namespace', namespaceOf(runIds.baseline))).toBeNull();
      expect(await admin.get('v1', 'ConfigMap', unrelated.metadata.name, 'default')).not.toBeNull();

      const second = await activities.resetCluster({ runId: runIds.baseline, cluster: ref, namespace: namespaceOf(runIds.baseline) });
      expect(second).toEqual({ removed: [], leftovers: [] });
    } finally {
      await admin.delete('v1', 'ConfigMap', unrelated.metadata.name, 'default');
    }
  });

  it('resets the hardened and load-balancer runs to zero labelled objects', async () => {
    for (const runId of [runIds.hardened, runIds.lb, runIds.root]) {
      const result = await activities.resetCluster({ runId, cluster: ref, namespace: namespaceOf(runId) });
      expect(result.leftovers).toEqual([]);
      expect(result.removed.some((r) => r.kind === 'Namespace')).toBe(true);
      expect(await labelled(runId)).toEqual([]);
    }
  });
});
