import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec } from '../config/experiment';
import type { ClusterRef } from '../domain/contracts';
import { activitySignal, safeHeartbeat } from '../temporal/heartbeat';
import { pause } from '../kube/wait';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';
import { DEFAULT_LINODE_API_URL, LinodeApi, LinodeFailure, type LkeCluster } from './linodeApi';
import { deriveNodeMap, NODE_MAP_UNDERIVABLE, writeNodeMap } from './linodeNodeMap';
import { writePrivateFile } from './privateFile';
import type { ClusterProvider, Provisioned, ProvisionContext, TeardownContext, TeardownOutcome } from './clusterProvider';

type LinodeSpec = ClusterSpec['linode'];

export interface LinodeProviderOptions {
  /** Bound on the whole wait for Ready nodes and the kubeconfig (default 30 min: LKE takes minutes). */
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
  now?: () => number;
}

/** An LKE label for the run: [A-Za-z0-9_-], 3–32 characters, unique per run id, so a retry finds its cluster. */
export function lkeClusterLabel(runId: string): string {
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  const head = runId.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 18).replace(/-+$/, '');
  return `hl-${head ? `${head}-` : ''}${hash}`;
}

/** A run id as one path segment. */
export function runFolderName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function runKubeconfigPath(home: string, runId: string): string {
  return path.join(home, 'clusters', runFolderName(runId), 'kubeconfig');
}

/** Where a run's node map goes when it is derived from the cluster the run created (cluster.linode.ssh). */
export function runNodeMapPath(home: string, runId: string): string {
  return path.join(home, 'clusters', runFolderName(runId), 'nodes.yaml');
}

/**
 * The API token, resolved inside the activity from a file or an environment variable. Only their names
 * appear in messages, never the token.
 */
export async function resolveLinodeToken(spec: LinodeSpec, env: NodeJS.ProcessEnv): Promise<string> {
  if (spec.tokenFile) {
    const token = await fs.readFile(spec.tokenFile, 'utf8').then(
      (text) => text.trim(),
      (err: NodeJS.ErrnoException) => {
        throw ApplicationFailure.nonRetryable(
          `cannot read the Linode token file ${spec.tokenFile}: ${err.code ?? err.message}`,
          LinodeFailure.TokenMissing,
        );
      },
    );
    if (!token) throw ApplicationFailure.nonRetryable(`the Linode token file ${spec.tokenFile} is empty`, LinodeFailure.TokenMissing);
    return token;
  }
  const token = env[spec.tokenEnv]?.trim();
  if (!token)
    throw ApplicationFailure.nonRetryable(
      `no Linode API token: environment variable ${spec.tokenEnv} is unset or empty on the worker (or set cluster.linode.tokenFile)`,
      LinodeFailure.TokenMissing,
    );
  return token;
}

function nodeReady(node: KubeObject): boolean {
  const conditions = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Linode Kubernetes Engine, as in the thesis: one cluster per run (label derived from the run id, so a
 * retried provision finds the cluster instead of buying a second), a node pool of `nodeCount` × `nodeType`,
 * ready when every pool node is ready in the API and every Kubernetes node reports Ready. The kubeconfig
 * goes to `<home>/clusters/<runId>/kubeconfig` (0600); the ClusterRef carries only its path.
 */
export class LinodeProvider implements ClusterProvider {
  readonly name = 'linode' as const;
  private readonly readyTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => number;

  constructor(options: LinodeProviderOptions = {}) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30 * 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private async api(spec: LinodeSpec, env: NodeJS.ProcessEnv): Promise<LinodeApi> {
    return new LinodeApi(await resolveLinodeToken(spec, env), spec.apiUrl ?? DEFAULT_LINODE_API_URL);
  }

  async provision(ctx: ProvisionContext): Promise<Provisioned> {
    const spec = ctx.spec.linode;
    const api = await this.api(spec, ctx.env);
    const label = lkeClusterLabel(ctx.runId);
    let cluster: LkeCluster | undefined = (await api.listClusters()).find((c) => c.label === label);
    if (!cluster) {
      cluster = await api.createCluster({
        label,
        region: spec.region,
        k8s_version: spec.kubernetesVersion,
        node_pools: [{ type: spec.nodeType, count: spec.nodeCount }],
        tags: ['hardenlab'],
      });
    }
    const kubeconfigPath = runKubeconfigPath(ctx.home, ctx.runId);
    const ref: ClusterRef = {
      provider: 'linode',
      kubeconfigPath,
      context: ctx.spec.context,
      nodeMapPath: spec.ssh ? runNodeMapPath(ctx.home, ctx.runId) : ctx.nodeMapPath,
      providerClusterId: String(cluster.id),
      providerApi: { apiUrl: spec.apiUrl, tokenEnv: spec.tokenEnv, tokenFile: spec.tokenFile },
    };
    let derivedNodes: Provisioned['derivedNodes'];
    try {
      const kubernetesNodes = await this.waitReady(api, cluster, spec.nodeCount, ref, ctx);
      if (spec.ssh) {
        // Each run samples its own cluster's machines: the node map comes from this cluster's instances.
        const nodes = await deriveNodeMap(api, await api.listPools(cluster.id), spec.ssh, kubernetesNodes);
        await writeNodeMap(ref.nodeMapPath!, nodes);
        derivedNodes = nodes.map((n) => ({ node: n.name, host: n.host }));
      }
    } catch (err) {
      if (activitySignal()?.aborted) {
        // Cancelled mid-wait (the scenario was aborted): no ref reaches the workflow, so stop the billing here.
        await api.deleteCluster(cluster.id).catch(() => false);
        throw err;
      }
      if (err instanceof ApplicationFailure && (err.type === LinodeFailure.ClusterNotReady || err.type === NODE_MAP_UNDERIVABLE)) {
        // A cluster that never got ready (or whose nodes cannot be sampled) still bills: delete it, since the
        // failed provision returns no ref to tear down.
        const deleted = await api.deleteCluster(cluster.id).catch(() => false);
        throw ApplicationFailure.nonRetryable(
          `${err.message}; ${
            deleted ? `deleted cluster ${cluster.id} so it stops billing` : `could not delete cluster ${cluster.id}: delete it by hand`
          }`,
          err.type,
          { clusterId: cluster.id, deleted },
        );
      }
      throw err;
    }
    return { ref, created: true, derivedNodes };
  }

  /**
   * Bounded, heartbeating wait: pool nodes ready in the API, kubeconfig available, every Kubernetes node Ready; returns the Ready nodes'
   * names.
   */
  private async waitReady(
    api: LinodeApi,
    cluster: LkeCluster,
    nodeCount: number,
    ref: ClusterRef,
    ctx: ProvisionContext,
  ): Promise<string[]> {
    const deadline = this.now() + this.readyTimeoutMs;
    let state = 'not checked yet';
    let kubeconfigWritten = false;
    while (this.now() < deadline) {
      safeHeartbeat({ clusterId: cluster.id, state });
      const pools = await api.listPools(cluster.id);
      const nodes = pools.flatMap((p) => p.nodes);
      const notReady = nodes.filter((n) => n.status !== 'ready');
      if (nodes.length < nodeCount || notReady.length > 0) {
        state =
          `${nodes.length - notReady.length}/${nodeCount} pool nodes ready in the Linode ` +
          `API${notReady.length ? ` (waiting: ${notReady.map((n) => n.id).join(', ')})` : ''}`;
      } else if (!kubeconfigWritten) {
        const kubeconfig = await api.kubeconfig(cluster.id);
        if (kubeconfig) {
          await writePrivateFile(ref.kubeconfigPath, kubeconfig);
          kubeconfigWritten = true;
          continue;
        }
        state = 'pool nodes ready; kubeconfig not yet available (503)';
      } else {
        const client: KubeClient = await ctx.kube(ref);
        const k8sNodes = (await client.list('v1', 'Node')).items;
        const ready = k8sNodes.filter(nodeReady);
        if (ready.length >= nodeCount) return ready.map((n) => n.metadata.name);
        state = `${ready.length}/${nodeCount} Kubernetes nodes Ready (${
          k8sNodes
            .filter((n) => !nodeReady(n))
            .map((n) => n.metadata.name)
            .join(', ') || 'not registered yet'
        })`;
      }
      await pause(Math.min(this.pollIntervalMs, Math.max(0, deadline - this.now())));
    }
    throw ApplicationFailure.nonRetryable(
      `LKE cluster ${cluster.id} ("${cluster.label}") was not ready within ${Math.round(this.readyTimeoutMs / 1000)} s: ${state}`,
      LinodeFailure.ClusterNotReady,
    );
  }

  async teardown(ctx: TeardownContext): Promise<TeardownOutcome> {
    const id = Number(ctx.ref.providerClusterId);
    const kubeconfigPath = runKubeconfigPath(ctx.home, ctx.runId);
    if (!ctx.ref.providerClusterId || !Number.isInteger(id))
      return { deleted: false, detail: 'no Linode cluster id in the cluster reference: nothing this run created' };
    const api = await this.api(linodeSpecOf(ctx.ref), ctx.env);
    const cluster = await api.getCluster(id);
    await fs.rm(kubeconfigPath, { force: true });
    await fs.rm(runNodeMapPath(ctx.home, ctx.runId), { force: true });
    if (!cluster) return { deleted: false, detail: `LKE cluster ${id} is already gone` };
    if (cluster.label !== lkeClusterLabel(ctx.runId))
      throw ApplicationFailure.nonRetryable(
        `refusing to delete LKE cluster ${id}: its label "${cluster.label}" is not this run's ("${lkeClusterLabel(ctx.runId)}")`,
        LinodeFailure.Forbidden,
      );
    const deleted = await api.deleteCluster(id);
    return { deleted, detail: deleted ? `deleted LKE cluster ${id} ("${cluster.label}")` : `LKE cluster ${id} was already gone` };
  }
}

/** The token source and API URL recorded in the ref at provision time (names and paths only). */
function linodeSpecOf(ref: ClusterRef): LinodeSpec {
  return {
    region: '',
    kubernetesVersion: '',
    nodeType: '',
    nodeCount: 1,
    tokenEnv: ref.providerApi?.tokenEnv ?? 'LINODE_TOKEN',
    tokenFile: ref.providerApi?.tokenFile,
    apiUrl: ref.providerApi?.apiUrl,
  };
}
