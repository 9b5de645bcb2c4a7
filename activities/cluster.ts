import { log as activityLog } from '@temporalio/activity';
import type {
  ClusterRef,
  DeployRequest,
  DeployResult,
  HardenRequest,
  HardenResult,
  ProvisionRequest,
  ProvisionResult,
  ResetResult,
  ScopedRequest,
  TeardownRequest,
} from '../src/domain/contracts';
import { deployWorkload as runDeploy } from '../src/kube/deploy';
import { collectFacts } from '../src/kube/facts';
import { hardenNamespace as runHarden } from '../src/kube/harden';
import { resetRun } from '../src/kube/reset';
import type { KubeClient } from '../src/kube/kubeObjects';
import { verifyAccess, type ClusterProvider, type ProviderName } from '../src/providers';
import type { ArtifactStore } from '../src/store/artifactStore';

export interface ClusterTimeouts {
  /** Each rollout (initial, scale-up). Default 10 min. */
  rolloutMs?: number;
  /** The wait for a run's objects to disappear. Default 5 min. */
  resetMs?: number;
  resetPollMs?: number;
  /** Where no load-balancer controller is detected, wait at most this long for an address. Default 15 s. */
  noLoadBalancerControllerGraceMs?: number;
  /** How long to retry the HTTP check once an address exists. Default 60 s. */
  httpCheckMs?: number;
}

export interface ClusterActivityDeps {
  /** The artifact store; its root is the data folder where per-run kubeconfigs go. */
  store: ArtifactStore;
  /** Every provider by name (src/providers defaultProviders(); tests shorten the Linode waits). */
  providers: Record<ProviderName, ClusterProvider>;
  /** Opens a cluster (the worker: @kubernetes/client-node through `loadKubeClient`). */
  kube: (ref: ClusterRef) => Promise<KubeClient>;
  now?: () => number;
  /** The worker's environment, where tokens are looked up. */
  env: NodeJS.ProcessEnv;
  timeouts?: ClusterTimeouts;
}

/** Logs through the activity logger inside an activity, nowhere otherwise. */
function log(message: string): void {
  try {
    activityLog.info(message);
  } catch {
    // Not in an activity context.
  }
}

/**
 * The cluster activities: provision/teardown (by provider), deploy, harden, reset. Each is idempotent:
 * changes go through server-side apply with a field manager, deletions are label-scoped, so a retried
 * activity converges. Failures are classified (src/kube/kubeFailures.ts, src/providers/linodeApi.ts).
 */
export function createClusterActivities(deps: ClusterActivityDeps) {
  const now = deps.now ?? Date.now;
  const { env, kube, providers } = deps;
  const home = deps.store.root;
  const t = deps.timeouts ?? {};

  async function provisionCluster(req: ProvisionRequest): Promise<ProvisionResult> {
    const provider = providers[req.cluster.provider];
    const { ref, created, derivedNodes } = await provider.provision({
      runId: req.runId,
      spec: req.cluster,
      nodeMapPath: req.nodeMapPath,
      home,
      env,
      kube,
    });
    // For every provider: the kubeconfig and context resolve, the API answers, and the user may do what the run needs.
    const client = await kube(ref);
    await client.version();
    await verifyAccess(client);
    const facts = { ...(await collectFacts(client, ref)), ...(derivedNodes ? { sampledHosts: derivedNodes } : {}) };
    log(`provisioned ${facts.provider} cluster: Kubernetes ${facts.kubernetesVersion}, ${facts.nodeCount} nodes`);
    return { cluster: ref, created, facts };
  }

  async function teardownCluster(req: TeardownRequest): Promise<{ deleted: boolean; detail: string }> {
    const outcome = await providers[req.cluster.provider].teardown({ runId: req.runId, ref: req.cluster, home, env });
    log(`teardown: ${outcome.detail}`);
    return outcome;
  }

  async function deployWorkload(req: DeployRequest): Promise<DeployResult> {
    const client = await kube(req.cluster);
    return runDeploy(client, req, {
      now,
      rolloutTimeoutMs: t.rolloutMs ?? 10 * 60_000,
      noControllerGraceMs: t.noLoadBalancerControllerGraceMs ?? 15_000,
      httpCheckMs: t.httpCheckMs ?? 60_000,
      maxEvents: 200,
    });
  }

  async function hardenNamespace(req: HardenRequest): Promise<HardenResult> {
    return runHarden(await kube(req.cluster), req);
  }

  async function resetCluster(req: ScopedRequest): Promise<ResetResult> {
    const client = await kube(req.cluster);
    const result = await resetRun(client, req, { now, timeoutMs: t.resetMs ?? 5 * 60_000, pollIntervalMs: t.resetPollMs ?? 1000, log });
    log(`reset: removed ${result.removed.length} objects, ${result.leftovers.length} left`);
    return result;
  }

  return { provisionCluster, teardownCluster, deployWorkload, hardenNamespace, resetCluster };
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
