/**
 * The load phase's activities (issue 27): the pod churn, run on the worker against the run's namespace, the
 * API server's /metrics scraped at the load window's edges, and the HTTP load from the worker to the app's
 * Service, or from a load pod in the run's namespace (the worker config's `load.httpFrom`). Real dependencies are
 * injected (worker/runWorker.ts, test/support/activityDeps.ts). A retried churn resumes from its heartbeat and the
 * pods that exist, writing a record of its own beside the earlier attempt's.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkOfferedCount } from '../src/analysis/load';
import { ChurnRecordWriter } from '../src/analysis/load/churnRecordFile';
import type { ClusterRef } from '../src/domain/contracts';
import { REQUEST_SETS } from '../src/domain/requestSets';
import type { ApiMetricsRequest, ApiMetricsResult, HttpLoadRecord, HttpLoadRequest } from '../src/domain/loadContracts';
import type { PodChurnRequest, PodChurnResult } from '../src/domain/loadContracts';
import type { KubeClient } from '../src/kube/kubeObjects';
import type { NodeMap } from '../src/config/nodeMap';
import type { SshConnector } from '../src/ssh/sessionContract';
import { scrapeAdmissionMetrics } from '../src/load/apiMetrics';
import { emptyChurnProgress, runChurn, type ChurnProgress } from '../src/load/churn';
import type { PodResourceScrape } from '../src/analysis/load';
import { readPodResources } from '../src/load/enginePods';
import { runHttpLoad } from '../src/load/httpLoad';
import type { HttpLoadSource } from '../src/config/loadDesign';
import { sendFromLoadPod, type PodLogReader } from './loadPodActivity';
import { engineNamespaceOf } from '../src/kube/policyEngine/engineManifests';
import { appServiceTarget } from '../src/load/httpTarget';
import { wallClock, type LoadClock } from '../src/load/openLoop';
import type { ArtifactStore } from '../src/store/artifactStore';
import { activitySignal, lastHeartbeat, safeHeartbeat } from '../src/temporal/heartbeat';

export interface LoadActivityDeps {
  store: ArtifactStore;
  kube: (ref: ClusterRef) => Promise<KubeClient>;
  clock?: LoadClock;
  log?: (line: string) => void;
  /** How the worker reaches the nodes (the sampler's transport), to read the policy engine's pods there. */
  nodes?: { connector: SshConnector; loadNodeMap: (file: string) => Promise<NodeMap> };
  /** Where the HTTP load is sent from (the worker config's `load`, worker/loadSource.ts); absent: from the worker. */
  httpSource?: HttpLoadSource;
  /** Reads a pod's container log (the load pod's result). */
  podLogs?: (cluster: ClusterRef) => Promise<PodLogReader>;
}

export const LOAD_FOLDER = 'load';

function attemptNumber(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export function createLoadActivities(deps: LoadActivityDeps) {
  const clock = deps.clock ?? wallClock;
  const log = deps.log ?? (() => undefined);

  async function runPodChurn(req: PodChurnRequest): Promise<PodChurnResult> {
    const client = await deps.kube(req.cluster);
    const endMs = req.startAtMs + req.durationSeconds * 1000;
    const attempt = attemptNumber();
    const name = `${LOAD_FOLDER}/churn.attempt-${attempt}.jsonl.gz`;
    await deps.store.ensureDir(req.artifactKey, LOAD_FOLDER);
    // Bounded on disk: three events per pod (create, startup, delete), with room for a resumed attempt's deletes.
    const due = Math.ceil((req.durationSeconds / 60) * req.podsPerMinute);
    const maxEvents = 3 * due + 2 * req.podsAlive + 100;
    const writer = await ChurnRecordWriter.open(deps.store.resolve(req.artifactKey, name), {
      offeredPerMinute: req.podsPerMinute,
      startMs: req.startAtMs,
      maxEvents,
    });
    const resumed = lastHeartbeat<ChurnProgress>() ?? emptyChurnProgress();
    const cpuBefore = process.cpuUsage();
    let errors = 0;
    // Beats between ticks too: at a few pods an hour (or before a late start) a tick is rarer than the heartbeat timeout.
    let latest = resumed;
    const beat = setInterval(() => safeHeartbeat(latest), 20_000);
    const result = await runChurn(
      {
        scope: { runId: req.runId, namespace: req.namespace },
        workload: req.workload,
        hardened: req.hardened,
        podsPerMinute: req.podsPerMinute,
        podsAlive: req.podsAlive,
        startMs: req.startAtMs,
        endMs,
      },
      {
        client,
        clock,
        record: (event) => writer.write(event),
        onProgress: (progress) => {
          latest = progress;
          safeHeartbeat(progress);
        },
        onError: (err) => {
          // The first few say why; the rest are counted in the result.
          if (++errors <= 5) log(`churn: ${(err as Error).message}`);
        },
        signal: activitySignal(),
      },
      resumed,
    ).finally(async () => {
      clearInterval(beat);
      // Closed whatever happened, so what this attempt recorded is a readable record beside the retry's.
      await writer.close(clock.now() - req.startAtMs);
    });
    const cpu = process.cpuUsage(cpuBefore);
    const spanMs = endMs - req.startAtMs;
    // The counts are cumulative over attempts (heartbeat details), so the rate is the whole load's.
    const rate = checkOfferedCount(req.podsPerMinute, result.created, spanMs);
    const records = Array.from({ length: attempt }, (_, i) => `${LOAD_FOLDER}/churn.attempt-${i + 1}.jsonl.gz`);
    const existing: string[] = [];
    for (const file of records) if (await deps.store.exists(req.artifactKey, file)) existing.push(file);
    log(`churn: ${result.created} of ${result.due} pods created, ${result.startups} startups recorded`);
    return {
      offeredPerMinute: req.podsPerMinute,
      achievedPerMinute: rate.achievedPerMinute,
      ...(rate.message ? { rateMessage: rate.message } : {}),
      ...result,
      records: existing,
      workerCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }

  async function enginePods(client: KubeClient, req: ApiMetricsRequest): Promise<PodResourceScrape | undefined> {
    const namespace = engineNamespaceOf(req.namespace);
    if ((await client.list('v1', 'Pod', { namespace })).items.length === 0) return undefined;
    const nodeMapPath = req.cluster.nodeMapPath;
    if (!deps.nodes || !nodeMapPath) return { namespace, samples: [], errors: ['no node map to read its pods on their nodes'] };
    const nodes = new Map((await deps.nodes.loadNodeMap(nodeMapPath)).nodes.map((n) => [n.name, n]));
    return readPodResources(client, namespace, { connector: deps.nodes.connector, nodes, runId: req.runId });
  }

  async function scrapeApiMetrics(req: ApiMetricsRequest): Promise<ApiMetricsResult> {
    const client = await deps.kube(req.cluster);
    const scrape = await scrapeAdmissionMetrics(client, clock.now);
    const file = `${LOAD_FOLDER}/apiserver-metrics.${req.edge}.txt`;
    await deps.store.writeFile(req.artifactKey, file, scrape.text);
    const result: ApiMetricsResult = { file, at: scrape.at, lines: scrape.text.split('\n').length - 1 };
    // The policy engine's own pods, in a scenario that runs one: what it costs beside what it denies.
    const engine = await enginePods(client, req).catch((err: unknown) => ({
      ...{ namespace: engineNamespaceOf(req.namespace), samples: [] },
      errors: [`its pods could not be read: ${(err as Error).message}`],
    }));
    if (engine) {
      result.enginePods = `${LOAD_FOLDER}/engine-pods.${req.edge}.json`;
      await deps.store.writeFile(req.artifactKey, result.enginePods, `${JSON.stringify(engine, null, 2)}\n`);
    }
    return result;
  }

  /**
   * The HTTP load from the worker to the app's Service, whose address the worker reads from the cluster. A retry
   * starts its schedule at its own start (what fell due between attempts is not sent in a burst) and reports itself.
   */
  async function sendHttpLoad(req: HttpLoadRequest): Promise<HttpLoadRecord> {
    const source = deps.httpSource?.(req.cluster) ?? { from: 'worker' as const };
    if ('unavailable' in source)
      throw ApplicationFailure.nonRetryable(`${source.unavailable}: the HTTP load was not sent`, 'HttpLoadNoSource');
    if (source.from === 'pod') {
      if (!deps.podLogs) throw new Error('the worker was built without a pod log reader for the load pod');
      const pod = { client: await deps.kube(req.cluster), podLog: await deps.podLogs(req.cluster), image: source.image };
      return sendFromLoadPod(req, { ...pod, clock, attempt: attemptNumber(), log });
    }
    const target = await appServiceTarget(await deps.kube(req.cluster), req.namespace);
    if ('why' in target) throw ApplicationFailure.nonRetryable(`${target.why}: the HTTP load was not sent`, 'HttpLoadNoTarget');
    const endMs = req.startAtMs + req.durationSeconds * 1000;
    const startMs = Math.max(req.startAtMs, Math.min(clock.now(), endMs - 1));
    const beat = setInterval(() => safeHeartbeat({ sending: req.requestSet }), 20_000);
    try {
      const plan = { target: target.url, requests: REQUEST_SETS[req.requestSet], requestsPerSecond: req.requestsPerSecond, startMs, endMs };
      const result = await runHttpLoad(plan, clock, activitySignal());
      log(`http: ${result.ok} of ${result.due} requests answered as expected, ${result.errors} errors`);
      return { ...result, requestSet: req.requestSet, target: target.url, runsOn: 'worker', lateStartMs: startMs - req.startAtMs };
    } finally {
      clearInterval(beat);
    }
  }

  return { runPodChurn, scrapeApiMetrics, sendHttpLoad };
}
