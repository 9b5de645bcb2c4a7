/**
 * Activity doubles for workflow-logic tests: each records its call and returns a small, plausible
 * result. Failures are injected per activity name. Integration tests use the real activities.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { HardenlabActivities } from '../../src/domain/activities';
import type { ClusterRef, ToolRunSummary } from '../../src/domain/contracts';
import { createConfigActivities } from '../../activities/config';
import { tempDirSync } from '../support/tempDir';
import { dataFolderStore } from '../support/activityDeps';

export interface Call {
  name: keyof HardenlabActivities;
  workflowId: string;
  scenario?: string;
  arg: unknown;
}

export type FailurePlan = Partial<Record<keyof HardenlabActivities, (call: Call, attempt: number) => Error | undefined>>;

export interface DoubleOptions {
  fail?: FailurePlan;
  env?: NodeJS.ProcessEnv;
  onCall?: (call: Call) => void | Promise<void>;
  /** Replaces a double's result (still recorded, and failures still injected). */
  results?: Partial<HardenlabActivities>;
  /** The worker config's `temporal.searchAttributes` (default true: the time-skipping server has them registered). */
  searchAttributes?: boolean;
  /** The worker config's `experimental:` section (absent by default, as in a worker that opts in to nothing). */
  experimental?: { loadPhase?: boolean };
}

export function createActivityDoubles(options: DoubleOptions = {}) {
  const calls: Call[] = [];
  const cluster: ClusterRef = { provider: 'local', kubeconfigPath: '/tmp/kubeconfig', nodeMapPath: '/tmp/nodes.yaml' };
  // The worker's config, as a team's worker has it: the test bed by default, an LKE environment by name.
  const temporal = {
    address: '127.0.0.1:7233',
    namespace: 'default',
    taskQueue: 'hardenlab',
    searchAttributes: options.searchAttributes ?? true,
  };
  const workerConfig = {
    config: {
      temporal,
      experiment: { cluster: { provider: 'local' } },
      environments: { lke: { cluster: { provider: 'linode', linode: { ssh: { user: 'hardenlab' } } } } },
      ...(options.experimental ? { experimental: options.experimental } : {}),
    },
  };
  const env = options.env ?? { HARDENLAB_HOME: tempDirSync('hardenlab-wf-home-') };
  const real = createConfigActivities({ env, workerConfig, store: dataFolderStore(env) });

  function wrap<K extends keyof HardenlabActivities>(name: K, fallback: HardenlabActivities[K]): HardenlabActivities[K] {
    const impl = options.results?.[name] ?? fallback;
    return (async (arg: never) => {
      const info = Context.current().info;
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const call: Call = { name, workflowId, scenario: workflowId.split('/')[1], arg };
      calls.push(call);
      await options.onCall?.(call);
      const failure = options.fail?.[name]?.(call, info.attempt);
      if (failure) throw failure;
      return (impl as (a: never) => unknown)(arg);
    }) as HardenlabActivities[K];
  }

  const tool = (tool: ToolRunSummary['tool'], mode: string): ToolRunSummary => ({
    tool,
    mode,
    target: '127.0.0.1',
    start: Date.now(),
    end: Date.now() + 1000,
    outcome: 'ok',
    counts: { FAIL: 1 },
    warnings: [],
  });

  const activities: HardenlabActivities = {
    resolveExperiment: wrap('resolveExperiment', real.resolveExperiment),
    provisionCluster: wrap('provisionCluster', async (req) => ({
      // A created LKE cluster brings its own node map, derived from its machines (src/providers/linodeNodeMap.ts).
      cluster:
        req.cluster.provider === 'linode'
          ? {
              ...cluster,
              provider: 'linode',
              providerClusterId: `lke-${req.runId}`,
              nodeMapPath: `/tmp/clusters/lke-${req.runId}/nodes.yaml`,
            }
          : { ...cluster, provider: req.cluster.provider },
      created: req.cluster.provider === 'linode',
      facts: { provider: req.cluster.provider, kubernetesVersion: 'v1.36.3', nodeCount: 3, nodes: [] },
    })),
    teardownCluster: wrap('teardownCluster', async () => undefined),
    deployWorkload: wrap('deployWorkload', async (req) => ({
      image: req.hardened ? req.workload.hardenedImage : req.workload.image,
      rolloutSeconds: 2,
      scaleUpSeconds: 1,
      replicas: req.workload.scaleTo,
      service: { type: req.workload.serviceType, address: null, pending: true },
      events: [],
    })),
    hardenNamespace: wrap('hardenNamespace', async (req) => ({
      podSecurity: { enforce: 'restricted', audit: 'restricted', warn: 'restricted' },
      rbac: { role: 'app-manager', binding: 'app-manager', user: req.hardening.rbacUser },
      networkPolicies: ['default-deny-ingress'],
      evidence: [],
      notes: [],
    })),
    applyPacks: wrap('applyPacks', async (req) => ({
      packs: req.scenario.packs.map((p) => ({ ...p, objects: [] })),
      evidence: [],
      notes: [],
    })),
    runAttackBattery: wrap('runAttackBattery', async () => ({
      attempts: [
        {
          id: 'privileged-pod',
          title: 'privileged container',
          category: 'pod-security' as const,
          as: 'the worker (dry run)',
          outcome: 'allowed' as const,
          message: 'accepted',
        },
      ],
    })),
    resetCluster: wrap('resetCluster', async () => ({ removed: [{ kind: 'Namespace', name: 'x' }], leftovers: [] })),
    startSampling: wrap('startSampling', async () => ({
      nodes: [{ node: 'n1', pid: 42, sysstatVersion: '12.6.1', alreadyRunning: false }],
      startedAt: Date.now(),
    })),
    checkSampling: wrap('checkSampling', async () => ({ nodes: [], gaps: [] })),
    stopSampling: wrap('stopSampling', async () => ({})),
    collectSamples: wrap('collectSamples', async () => ({
      nodes: [{ node: 'n1', cpuSamples: 144, memorySamples: 144, rawFile: 'sa' }],
      samplerOverhead: [],
    })),
    measureBootTime: wrap('measureBootTime', async () => ({
      nodes: [{ node: 'n1', totalSeconds: null, unavailableReason: 'no systemd' }],
    })),
    cleanupNodes: wrap('cleanupNodes', async () => ({})),
    runKubeBench: wrap('runKubeBench', async () => tool('kube-bench', 'node')),
    runKubeHunter: wrap('runKubeHunter', async (req) => tool('kube-hunter', req.mode)),
    runTrivy: wrap('runTrivy', async (req) => tool('trivy', req.mode)),
    recordScenario: wrap('recordScenario', async () => undefined),
    // The load phase (issue 27), called only for a design with load.
    runPodChurn: wrap('runPodChurn', async (req) => ({
      offeredPerMinute: req.podsPerMinute,
      achievedPerMinute: req.podsPerMinute,
      ...{ nextIndex: 1, due: 1, created: 1, createFailed: 0, deleted: 1, deleteFailed: 0 },
      ...{ skippedBusy: 0, missed: 0, startups: 1, maxLagMs: 0 },
      records: ['load/churn.attempt-1.jsonl.gz'],
      workerCpuSeconds: 0,
    })),
    scrapeApiMetrics: wrap('scrapeApiMetrics', async (req) => ({
      file: `load/apiserver-metrics.${req.edge}.txt`,
      at: Date.now(),
      lines: 0,
    })),
    sendHttpLoad: wrap('sendHttpLoad', async (req) => ({
      ...{ offeredPerSecond: req.requestsPerSecond, achievedPerSecond: req.requestsPerSecond, due: 1, sent: 1, ok: 1, errors: 0 },
      ...{ errorRate: 0, skippedBusy: 0, maxLagMs: 0, cpu: { seconds: 0, shareOfOneCore: 0 }, errorSamples: [] },
      latencyMs: { n: 1, p50: 1, p95: 1, p99: 1, max: 1, mean: 1 },
      requestSet: req.requestSet,
      target: 'http://127.0.0.1:80',
    })),
    buildReport: wrap('buildReport', async (req) => ({
      reportDir: `/tmp/${req.artifactKey}`,
      htmlPath: `/tmp/${req.artifactKey}/report.html`,
      summary: { scenarios: 3, completed: 3, partial: req.partial },
    })),
  };
  return { activities, calls };
}

export const transient = (message = 'connection reset') => new Error(message);
export const permanent = (message: string, type = 'KubeForbidden') => ApplicationFailure.nonRetryable(message, type);
