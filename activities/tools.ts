/**
 * The security-tools activities: kube-bench (node over SSH, or an in-cluster Job) and kube-hunter
 * (remote from the worker, interface on a node over SSH, or `--pod` as a Job). Each run's findings go
 * to `<artifactKey>/tools/<tool>-<mode>.findings.json` with its start/end times and the tool version;
 * its raw output to `tools/<tool>-<mode>.raw.txt`. Malformed output fails with the non-retryable type
 * `ToolOutputInvalid` after the raw output is saved.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRef, ToolRunRequest, ToolRunSummary } from '../src/domain/contracts';
import type { NodeEntry, NodeMap } from '../src/domain/nodeMap';
import { runLabelValue } from '../src/kube/manifests';
import type { KubeObject } from '../src/kube/types';
import { loadNodeMap } from '../src/ssh/nodeMap';
import type { ArtifactStore } from '../src/store/artifactStore';
import { safeHeartbeat } from '../src/temporal/heartbeat';
import type { ToolKubeClient, ToolKubeLoader, ToolSshConnector, ToolSshSession } from '../src/tools/access';
import { shellCommand, shellQuote } from '../src/ssh/shell';
import { hostOfServer, kubeBenchArgs, kubeHunterArgs, kubeHunterEnv, kubeMinorVersion } from '../src/tools/commands';
import {
  findingsFileName,
  rawOutputFileName,
  ToolOutputError,
  type FindingsDocument,
  type KubeHunterMode,
  type ToolMode,
  type ToolName,
} from '../src/tools/findings';
import { jobFailure, jobState, kubeBenchJob, kubeHunterJob, KUBE_BENCH_CONTAINER, KUBE_HUNTER_CONTAINER } from '../src/tools/jobs';
import { parseKubeBenchJson } from '../src/tools/kubeBenchReport';
import { parseKubeHunterJson } from '../src/tools/kubeHunterReport';
import { ensureKubeBenchOnNode, remoteKubeBenchVersion } from './toolInstall';

export const ToolFailure = {
  /** The tool's output is not what it should be (truncated, logs mixed in, wrong shape). */
  OutputInvalid: 'ToolOutputInvalid',
  /** The tool ran and exited with an error. */
  RunFailed: 'ToolRunFailed',
  /** The tool is not installed where the mode needs it. */
  Missing: 'ToolMissing',
  /** The run cannot start as configured (no node map, unknown node, disabled tool). */
  ConfigInvalid: 'ToolConfigInvalid',
} as const;

export interface ToolBinaries {
  /** The worker's kube-bench build folder (`kube-bench` + `cfg/`), uploaded to nodes when needed. */
  kubeBenchDir: string;
  kubeBenchVersion: string;
  /** kube-hunter on the worker (its virtualenv's entry point), for remote mode. */
  kubeHunter: string;
  kubeHunterVersion: string;
}

export interface ToolActivityDeps {
  ssh: ToolSshConnector;
  kube: ToolKubeLoader;
  store: ArtifactStore;
  binaries: ToolBinaries;
  loadNodeMap?: (file: string) => Promise<NodeMap>;
  /** Where kube-bench is installed and runs write their reports on nodes; default `/var/tmp/hardenlab`. */
  remoteRoot?: string;
  /** kube-hunter on nodes, for interface mode; default `kube-hunter` on the node's PATH. */
  nodeKubeHunter?: string;
  /** Image of kube-bench's Job; default upstream's image of the worker's kube-bench version. */
  kubeBenchImage?: string;
  timeouts?: Partial<{ kubeBenchMs: number; kubeHunterMs: number; jobMs: number; jobPollMs: number }>;
  now?: () => number;
}

export type KubeHunterRunRequest = ToolRunRequest & { mode: KubeHunterMode };

interface RawRun {
  output: string;
  start: number;
  end: number;
  command: string;
}

/** KWOK marks the nodes it simulates with this annotation (value `fake`). */
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

function withHeartbeat<T>(work: Promise<T>, details: unknown): Promise<T> {
  const timer = setInterval(() => safeHeartbeat(details), 5_000);
  return work.finally(() => clearInterval(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export function createToolActivities(deps: ToolActivityDeps) {
  const now = deps.now ?? Date.now;
  const remoteRoot = deps.remoteRoot ?? '/var/tmp/hardenlab';
  const readNodeMap = deps.loadNodeMap ?? loadNodeMap;
  const timeouts = { kubeBenchMs: 15 * 60_000, kubeHunterMs: 30 * 60_000, jobMs: 15 * 60_000, jobPollMs: 2_000, ...deps.timeouts };

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
    throw ApplicationFailure.nonRetryable(`${tool} (${mode}) failed: ${what} (output kept in ${rawFile})`, ToolFailure.RunFailed, { tool, mode, rawFile });
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
      throw ApplicationFailure.nonRetryable('this mode runs on a node over SSH, but the cluster has no node map (cluster.nodeMapPath)', ToolFailure.ConfigInvalid);
    }
    const map = await readNodeMap(req.cluster.nodeMapPath);
    const node = wanted ? map.nodes.find((n) => n.name === wanted) : map.nodes[0];
    if (!node) {
      throw ApplicationFailure.nonRetryable(
        `tools.kubeBench.node: node ${JSON.stringify(wanted)} is not in the node map ${req.cluster.nodeMapPath} (it has ${map.nodes.map((n) => n.name).join(', ')})`,
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

  async function withSession<T>(node: NodeEntry, work: (session: ToolSshSession) => Promise<T>): Promise<T> {
    const session = await deps.ssh.connect(node);
    try {
      return await work(session);
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  // ---------- kube-bench ----------

  async function kubeBenchOnNode(req: ToolRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeBench;
    const node = await pickNode(req, spec.node);
    const warnings: string[] = [];
    const kubeVersion = spec.benchmark ? undefined : await clusterMinorVersion(req.cluster, warnings);
    return withSession(node, async (session) => {
      const target = node.name;
      let binary: string;
      let configDir: string;
      let version: string | undefined;
      if (spec.binaryPath) {
        binary = spec.binaryPath;
        configDir = spec.configDir ?? path.posix.join(path.posix.dirname(binary), 'cfg');
        version = await remoteKubeBenchVersion(session, binary);
        if (!version) {
          throw ApplicationFailure.nonRetryable(`tools.kubeBench.binaryPath: ${binary} does not run on node ${target} (\`${binary} version\` failed)`, ToolFailure.Missing);
        }
        const cfg = await session.exec(`test -f ${shellQuote(path.posix.join(configDir, 'config.yaml'))}`);
        if (cfg.code !== 0) {
          throw ApplicationFailure.nonRetryable(
            `tools.kubeBench.configDir: ${configDir} on node ${target} has no config.yaml (kube-bench's cfg/ folder)`,
            ToolFailure.Missing,
          );
        }
      } else {
        safeHeartbeat({ step: 'install kube-bench', node: target });
        const installed = await ensureKubeBenchOnNode(session, target, deps.binaries.kubeBenchDir, deps.binaries.kubeBenchVersion, remoteRoot);
        binary = installed.binary;
        configDir = spec.configDir ?? installed.configDir;
        version = installed.version;
      }
      const runDir = path.posix.join(remoteRoot, 'runs', runLabelValue(req.runId));
      const outputFile = path.posix.join(runDir, 'kube-bench-node.json');
      const command = shellCommand([binary, ...kubeBenchArgs({ benchmark: spec.benchmark, kubeVersion, targets: spec.targets, configDir, outputFile })]);
      const prepared = await session.exec(`mkdir -p ${shellQuote(runDir)} && rm -f ${shellQuote(outputFile)}`, { privileged: true });
      if (prepared.code !== 0) throw new Error(`cannot prepare ${runDir} on ${target}: ${prepared.stderr.trim()}`);

      const start = now();
      const result = await withHeartbeat(session.exec(command, { privileged: true, timeoutMs: timeouts.kubeBenchMs }), { step: 'kube-bench', node: target });
      const end = now();
      if (result.code !== 0) {
        await runFailed(req, 'kube-bench', 'node', `\`${command}\` on ${target} exited with ${result.code ?? result.signal}: ${tail(result.stderr || result.stdout)}`, `${result.stdout}\n--- stderr ---\n${result.stderr}`);
      }
      const localDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-kube-bench-'));
      let raw: string;
      try {
        const local = path.join(localDir, 'report.json');
        await session.download(outputFile, local).catch(async (error: unknown) => {
          await runFailed(req, 'kube-bench', 'node', `it exited 0 but wrote no report ${outputFile} on ${target} (${(error as Error).message})`, `${result.stdout}\n--- stderr ---\n${result.stderr}`);
        });
        raw = await fs.readFile(local, 'utf8');
      } finally {
        await fs.rm(localDir, { recursive: true, force: true });
      }
      await session.exec(`rm -f ${shellQuote(outputFile)}`, { privileged: true }).catch(() => undefined);
      const report = await parseOrFail(req, 'kube-bench', 'node', raw, () => parseKubeBenchJson(raw, { mode: 'node', target }));
      return finish(req, {
        tool: 'kube-bench',
        mode: 'node',
        target,
        toolVersion: version,
        start,
        end,
        outcome: 'ok',
        benchmark: report.benchmark,
        detectedVersion: report.detectedVersion,
        findings: report.findings,
        totals: report.totals,
        command,
        warnings: [...warnings, ...report.warnings],
      });
    });
  }

  /** Applies a tool Job and waits for it; returns its pod's log, or why there is none. */
  async function runJob(
    req: ToolRunRequest,
    tool: ToolName,
    mode: ToolMode,
    kube: ToolKubeClient,
    job: KubeObject,
    container: string,
  ): Promise<{ start: number; end: number; log?: string; noOutput?: string }> {
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
          `${tool} Job ${namespace}/${name} did not finish within ${Math.round(timeouts.jobMs / 1000)} s (is its pod admitted? hostPID/hostPath pods are refused by Pod Security baseline/restricted)`,
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
    const pod = pods.items.sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')))[0];
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
    return why ? { start, end, noOutput: why } : { start, end, log };
  }

  function noOutputDocument(tool: ToolName, mode: ToolMode, target: string, version: string | undefined, run: { start: number; end: number; noOutput?: string }, command: string, warnings: string[]): FindingsDocument {
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

  async function kubeBenchJobMode(req: ToolRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeBench;
    const warnings: string[] = [];
    const kube = await deps.kube(req.cluster);
    const kubeVersion = spec.benchmark ? undefined : await clusterMinorVersion(req.cluster, warnings);
    const version = deps.binaries.kubeBenchVersion;
    const job = kubeBenchJob({
      runId: req.runId,
      namespace: req.namespace,
      image: deps.kubeBenchImage ?? `docker.io/aquasec/kube-bench:${version}`,
      benchmark: spec.benchmark,
      kubeVersion,
      targets: spec.targets,
      nodeName: spec.node,
    });
    const target = spec.node ?? 'cluster';
    const command = `Job ${req.namespace}/${job.metadata.name}`;
    const run = await runJob(req, 'kube-bench', 'job', kube, job, KUBE_BENCH_CONTAINER);
    if (run.log === undefined) return finish(req, noOutputDocument('kube-bench', 'job', target, version, run, command, warnings));
    const raw = run.log;
    const report = await parseOrFail(req, 'kube-bench', 'job', raw, () => parseKubeBenchJson(raw, { mode: 'job', target }));
    return finish(req, {
      tool: 'kube-bench',
      mode: 'job',
      target,
      toolVersion: version,
      start: run.start,
      end: run.end,
      outcome: 'ok',
      benchmark: report.benchmark,
      detectedVersion: report.detectedVersion,
      findings: report.findings,
      totals: report.totals,
      command,
      warnings: [...warnings, ...report.warnings],
    });
  }

  async function runKubeBench(req: ToolRunRequest): Promise<ToolRunSummary> {
    if (!req.tools.kubeBench.enabled) {
      throw ApplicationFailure.nonRetryable('tools.kubeBench.enabled is false: the workflow should not run kube-bench', ToolFailure.ConfigInvalid);
    }
    return req.tools.kubeBench.mode === 'job' ? kubeBenchJobMode(req) : kubeBenchOnNode(req);
  }

  // ---------- kube-hunter ----------

  function hunterDocument(req: KubeHunterRunRequest, target: string, run: RawRun, version: string, warnings: string[]): Promise<ToolRunSummary> {
    return parseOrFail(req, 'kube-hunter', req.mode, run.output, () => parseKubeHunterJson(run.output, { mode: req.mode, target })).then((report) =>
      finish(req, {
        tool: 'kube-hunter',
        mode: req.mode,
        target,
        toolVersion: version,
        start: run.start,
        end: run.end,
        outcome: 'ok',
        findings: report.findings,
        totals: report.totals,
        nodes: report.nodes,
        services: report.services,
        command: run.command,
        warnings,
      }),
    );
  }

  async function hunterRemote(req: KubeHunterRunRequest, warnings: string[]): Promise<ToolRunSummary> {
    const spec = req.tools.kubeHunter;
    const target = spec.remoteTarget ?? hostOfServer((await deps.kube(req.cluster)).server);
    const args = kubeHunterArgs({ mode: 'remote', remoteTarget: target, active: spec.active });
    const command = shellCommand([deps.binaries.kubeHunter, ...args]);
    const start = now();
    const result = await withHeartbeat(
      new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
        execFile(deps.binaries.kubeHunter, args, { env: kubeHunterEnv(process.env), timeout: timeouts.kubeHunterMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
          resolve({ code, stdout, stderr, error: error ?? undefined });
        });
      }),
      { step: 'kube-hunter', target },
    );
    const end = now();
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw ApplicationFailure.nonRetryable(`kube-hunter is not installed at ${deps.binaries.kubeHunter}: run scripts/tools/install-kube-hunter.sh`, ToolFailure.Missing);
    }
    if (result.code !== 0) {
      await runFailed(req, 'kube-hunter', 'remote', `\`${command}\` exited with ${result.code ?? 'a signal (timeout?)'}: ${tail(result.stderr || result.stdout)}`, `${result.stdout}\n--- stderr ---\n${result.stderr}`);
    }
    return hunterDocument(req, target, { output: result.stdout, start, end, command }, deps.binaries.kubeHunterVersion, warnings);
  }

  async function hunterInterface(req: KubeHunterRunRequest, warnings: string[]): Promise<ToolRunSummary> {
    const node = await pickNode(req, req.tools.kubeBench.node);
    const program = deps.nodeKubeHunter ?? 'kube-hunter';
    const command = shellCommand([program, ...kubeHunterArgs({ mode: 'interface', active: req.tools.kubeHunter.active })]);
    return withSession(node, async (session) => {
      const start = now();
      const result = await withHeartbeat(session.exec(command, { timeoutMs: timeouts.kubeHunterMs }), { step: 'kube-hunter', node: node.name });
      const end = now();
      if (result.code === 127) {
        throw ApplicationFailure.nonRetryable(`kube-hunter is not installed on node ${node.name} (\`${program}\` not found); interface mode runs it there`, ToolFailure.Missing);
      }
      if (result.code !== 0) {
        await runFailed(req, 'kube-hunter', 'interface', `\`${command}\` on ${node.name} exited with ${result.code ?? result.signal}: ${tail(result.stderr || result.stdout)}`, `${result.stdout}\n--- stderr ---\n${result.stderr}`);
      }
      const version = deps.binaries.kubeHunterVersion;
      return hunterDocument(req, node.name, { output: result.stdout, start, end, command }, version, warnings);
    });
  }

  async function hunterPod(req: KubeHunterRunRequest, warnings: string[]): Promise<ToolRunSummary> {
    const spec = req.tools.kubeHunter;
    const kube = await deps.kube(req.cluster);
    const job = kubeHunterJob({ runId: req.runId, namespace: req.namespace, image: spec.image, active: spec.active });
    const command = `Job ${req.namespace}/${job.metadata.name} (${spec.image} ${kubeHunterArgs({ mode: 'pod', active: spec.active }).join(' ')})`;
    const version = /:([^:/@]+)$/.exec(spec.image)?.[1];
    const run = await runJob(req, 'kube-hunter', 'pod', kube, job, KUBE_HUNTER_CONTAINER);
    if (run.log === undefined) return finish(req, noOutputDocument('kube-hunter', 'pod', 'cluster', version, run, command, warnings));
    return hunterDocument(req, 'cluster', { output: run.log, start: run.start, end: run.end, command }, version ?? deps.binaries.kubeHunterVersion, warnings);
  }

  async function runKubeHunter(req: KubeHunterRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeHunter;
    if (!spec.enabled) {
      throw ApplicationFailure.nonRetryable('tools.kubeHunter.enabled is false: the workflow should not run kube-hunter', ToolFailure.ConfigInvalid);
    }
    const warnings = spec.active
      ? ['kube-hunter ran with --active (tools.kubeHunter.active): active hunters try to exploit what they find and may have changed the cluster']
      : [];
    switch (req.mode) {
      case 'remote':
        return hunterRemote(req, warnings);
      case 'interface':
        return hunterInterface(req, warnings);
      case 'pod':
        return hunterPod(req, warnings);
      default:
        throw ApplicationFailure.nonRetryable(`unknown kube-hunter mode ${JSON.stringify(req.mode)} (remote, interface or pod)`, ToolFailure.ConfigInvalid);
    }
  }

  return { runKubeBench, runKubeHunter };
}

export type ToolActivities = ReturnType<typeof createToolActivities>;
