/**
 * What the security-tools activities share (activities/kubeBench.ts, activities/kubeHunter.ts): their
 * failure types and dependencies, saving raw output and findings, picking a node, running a tool Job.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRef, ToolRunRequest, ToolRunSummary } from '../src/domain/contracts';
import type { NodeEntry, NodeMap } from '../src/config/nodeMap';
import type { KubeObject } from '../src/kube/kubeObjects';
import type { ArtifactStore } from '../src/store/artifactStore';
import { safeHeartbeat } from '../src/temporal/heartbeat';
import type { ToolKubeClient, ToolKubeLoader, ToolSshConnector, ToolSshSession } from '../src/tools/access';
import { kubeMinorVersion } from '../src/tools/toolCommands';
import {
  findingsFileName,
  rawOutputFileName,
  ToolOutputError,
  type FindingsDocument,
  type KubeHunterMode,
  type ToolMode,
  type ToolName,
} from '../src/tools/findings';
import type { TrivyMode } from '../src/domain/scenarios';
import { jobFailure, jobState, toolJobNamespace } from '../src/tools/jobs';

export const ToolFailure = {
  /** The tool's output is not what it should be (truncated, logs mixed in, wrong shape). */
  OutputInvalid: 'ToolOutputInvalid',
  /** The tool ran and exited with an error. */
  RunFailed: 'ToolRunFailed',
  /** The tool is not installed where the mode needs it. */
  Missing: 'ToolMissing',
  /** The run cannot start as configured (no node map, unknown node, disabled tool). */
  ConfigInvalid: 'ToolConfigInvalid',
  /** A subnet-probing mode was asked for a network that is not proven closed. */
  NetworkNotClosed: 'ToolNetworkNotClosed',
} as const;

export interface ToolBinaries {
  /** The worker's kube-bench build folder (`kube-bench` + `cfg/`), uploaded to nodes when needed. */
  kubeBenchDir: string;
  kubeBenchVersion: string;
  /** kube-hunter on the worker (its virtualenv's entry point), for remote mode. */
  kubeHunter: string;
  kubeHunterVersion: string;
  /** Trivy on the worker (the cache's build, scripts/tools/build-trivy.sh); tools.trivy.binaryPath overrides it. */
  trivy?: string;
  trivyVersion?: string;
}

export interface ToolActivityDeps {
  ssh: ToolSshConnector;
  kube: ToolKubeLoader;
  store: ArtifactStore;
  binaries: ToolBinaries;
  /** Reads a node map (the worker's src/ssh/nodeMap loader). */
  loadNodeMap: (file: string) => Promise<NodeMap>;
  /** Where each run's private directory (mktemp -d) is created on nodes; default `/var/tmp`. */
  privateDirParent?: string;
  /** kube-hunter on nodes, for interface mode; default `kube-hunter` on the node's PATH. */
  nodeKubeHunter?: string;
  /** The closure violations of a network namespace, read from its configuration (the worker passes the test bed's check). */
  namespaceClosureViolations: (namespace: string) => Promise<string[]>;
  /** The worker's environment: the tools' processes start from it, filtered (src/tools/toolCommands.ts). */
  env: NodeJS.ProcessEnv;
  /** Image of kube-bench's Job; default upstream's image of the worker's kube-bench version. */
  kubeBenchImage?: string;
  timeouts?: Partial<{ kubeBenchMs: number; kubeHunterMs: number; trivyMs: number; jobMs: number; jobPollMs: number }>;
  /** Where the worker's private per-run directories (Trivy's, kube-bench's upload and report) are created. */
  workerTempDir: string;
  now?: () => number;
}

export type KubeHunterRunRequest = ToolRunRequest & { mode: KubeHunterMode };
export type TrivyRunRequest = ToolRunRequest & { mode: TrivyMode };

export interface RawRun {
  output: string;
  start: number;
  end: number;
  command: string;
}

/** KWOK marks the nodes it simulates with this annotation (value `fake`). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function withHeartbeat<T>(work: Promise<T>, details: unknown): Promise<T> {
  const timer = setInterval(() => safeHeartbeat(details), 5_000);
  return work.finally(() => clearInterval(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export function createToolRunKit(deps: ToolActivityDeps) {
  const now = deps.now ?? Date.now;
  const readNodeMap = deps.loadNodeMap;
  const timeouts = {
    kubeBenchMs: 15 * 60_000, kubeHunterMs: 30 * 60_000, trivyMs: 15 * 60_000, jobMs: 15 * 60_000, jobPollMs: 2_000,
    ...deps.timeouts,
  };

  async function saveRaw(req: ToolRunRequest, tool: ToolName, mode: ToolMode, raw: string): Promise<string> {
    const name = rawOutputFileName(tool, mode);
    await deps.store.writeFile(req.artifactKey, name, raw);
    return `${req.artifactKey}/${name}`;
  }

  /** Saves the raw output, then turns a ToolOutputError into the non-retryable activity failure. */
  async function parseOrFail<T>(req: ToolRunRequest, tool: ToolName, mode: ToolMode, raw: string, parse: () => T): Promise<T> {
    const rawFile = await saveRaw(req, tool, mode, raw);
    try {
      return parse();
    } catch (error) {
      if (error instanceof ToolOutputError) {
        throw ApplicationFailure.nonRetryable(`${error.message} (mode ${mode}; raw output kept in ${rawFile})`, ToolFailure.OutputInvalid, {
          tool,
          mode,
          rawFile,
          problem: error.problem,
        });
      }
      throw error;
    }
  }

  async function runFailed(req: ToolRunRequest, tool: ToolName, mode: ToolMode, what: string, raw: string): Promise<never> {
    const rawFile = await saveRaw(req, tool, mode, raw);
    throw ApplicationFailure.nonRetryable(`${tool} (${mode}) failed: ${what} (output kept in ${rawFile})`, ToolFailure.RunFailed, {
      tool,
      mode,
      rawFile,
    });
  }

  async function finish(req: ToolRunRequest, doc: FindingsDocument): Promise<ToolRunSummary> {
    const name = findingsFileName(doc.tool, doc.mode);
    await deps.store.writeJson(req.artifactKey, name, doc);
    return {
      tool: doc.tool,
      mode: doc.mode,
      target: doc.target,
      version: doc.toolVersion,
      start: doc.start,
      end: doc.end,
      outcome: doc.outcome,
      counts: doc.totals,
      findingsFile: `${req.artifactKey}/${name}`,
      warnings: doc.warnings,
    };
  }

  async function pickNode(req: ToolRunRequest, wanted: string | undefined): Promise<NodeEntry> {
    if (!req.cluster.nodeMapPath) {
      throw ApplicationFailure.nonRetryable(
        'this mode runs on a node over SSH, but the cluster has no node map (cluster.nodeMapPath)',
        ToolFailure.ConfigInvalid,
      );
    }
    const map = await readNodeMap(req.cluster.nodeMapPath);
    const node = wanted ? map.nodes.find((n) => n.name === wanted) : map.nodes[0];
    if (!node) {
      throw ApplicationFailure.nonRetryable(
        `tools.kubeBench.node: node ${JSON.stringify(wanted)} is not in the node map ${req.cluster.nodeMapPath} (it ` +
          `has ${map.nodes.map((n) => n.name).join(', ')})`,
        ToolFailure.ConfigInvalid,
      );
    }
    return node;
  }

  /** `major.minor` of the cluster, so kube-bench picks its benchmark without guessing; undefined when unreachable. */
  async function clusterMinorVersion(cluster: ClusterRef, warnings: string[]): Promise<string | undefined> {
    try {
      const kube = await deps.kube(cluster);
      return kubeMinorVersion(await kube.version());
    } catch (error) {
      warnings.push(`could not read the cluster's Kubernetes version (${(error as Error).message}); kube-bench detected it itself`);
      return undefined;
    }
  }

  async function withSession<T>(node: NodeEntry, work: (session: ToolSshSession) => Promise<T>, runId?: string): Promise<T> {
    const session = await deps.ssh.connect(node, runId === undefined ? undefined : { runId });
    try {
      return await work(session);
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  /** Applies a tool Job and waits for it; returns its pod's log, or why there is none. */
  /** The namespace a tool's Job goes to (src/tools/jobs.ts), created if it is the run's tools namespace; says why in `warnings`. */
  async function jobNamespace(req: ToolRunRequest, kube: ToolKubeClient, warnings: string[]): Promise<string> {
    const placement = toolJobNamespace(await kube.get<KubeObject>('v1', 'Namespace', req.namespace), {
      runId: req.runId,
      namespace: req.namespace,
    });
    if (placement.create) await kube.apply(placement.create);
    if (placement.why) warnings.push(placement.why);
    return placement.namespace;
  }

  async function runJob(
    req: ToolRunRequest,
    tool: ToolName,
    mode: ToolMode,
    kube: ToolKubeClient,
    job: KubeObject,
    container: string,
  ): Promise<{ start: number; end: number; nodeName?: string; log?: string; noOutput?: string }> {
    const name = job.metadata.name;
    const namespace = job.metadata.namespace ?? req.namespace;
    await kube.apply(job);
    const appliedAt = now();
    let current: KubeObject | null = null;
    for (;;) {
      current = await kube.get<KubeObject>('batch/v1', 'Job', name, namespace);
      const state = jobState(current);
      if (state === 'complete' || state === 'failed') break;
      if (state === 'missing') throw new Error(`Job ${namespace}/${name} disappeared while ${tool} ran`);
      if (now() - appliedAt > timeouts.jobMs) {
        throw ApplicationFailure.nonRetryable(
          `${tool} Job ${namespace}/${name} did not finish within ${Math.round(timeouts.jobMs / 1000)} s (is its pod admitted? ` +
            `hostPID/hostPath pods are refused by Pod Security baseline/restricted)`,
          ToolFailure.RunFailed,
        );
      }
      safeHeartbeat({ step: `${tool} job`, job: name });
      await sleep(timeouts.jobPollMs);
    }
    const status = (current?.status ?? {}) as { startTime?: string; completionTime?: string };
    const start = status.startTime ? Date.parse(status.startTime) : appliedAt;
    const end = status.completionTime ? Date.parse(status.completionTime) : now();
    const pods = await kube.list<KubeObject>('v1', 'Pod', { namespace, labelSelector: `job-name=${name}` });
    const pod = pods.items.sort((a, b) =>
      String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')),
    )[0];
    let log: string | undefined;
    let why: string | undefined;
    const nodeName = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? await kube.get<KubeObject>('v1', 'Node', nodeName) : null;
    if (!pod) why = `Job ${namespace}/${name} has no pod left to read`;
    else if (node?.metadata.annotations?.[KWOK_NODE_ANNOTATION] === 'fake') {
      // Asking for its log would only make the API server dial a kubelet that does not exist.
      why = `its pod ${namespace}/${pod.metadata.name} ran on the simulated (KWOK) node ${nodeName}, where no container runs`;
    } else {
      try {
        log = await kube.podLog(namespace, pod.metadata.name, container);
        if (!log.trim()) why = `pod ${namespace}/${pod.metadata.name} has an empty log`;
      } catch (error) {
        why = `the log of pod ${namespace}/${pod.metadata.name} is unavailable (${(error as Error).message.split('\n')[0]})`;
      }
    }
    if (jobState(current) === 'failed') {
      await runFailed(req, tool, mode, `Job ${namespace}/${name} failed: ${jobFailure(current!)}`, log ?? why ?? '');
    }
    return why ? { start, end, nodeName, noOutput: why } : { start, end, nodeName, log };
  }

  function noOutputDocument(
    tool: ToolName,
    mode: ToolMode,
    target: string,
    version: string | undefined,
    run: { start: number; end: number; noOutput?: string },
    command: string,
    warnings: string[],
  ): FindingsDocument {
    return {
      tool,
      mode,
      target,
      toolVersion: version,
      start: run.start,
      end: run.end,
      outcome: 'no-output',
      findings: [],
      totals: {},
      command,
      warnings: [
        ...warnings,
        `no output: the Job completed but ${run.noOutput}. This is not "zero findings": the tool's report could not be read.`,
      ],
    };
  }

  return {
    now, timeouts, saveRaw, parseOrFail, runFailed, finish, pickNode, clusterMinorVersion, withSession, jobNamespace, runJob,
    noOutputDocument,
  };
}

export type ToolRunKit = ReturnType<typeof createToolRunKit>;
