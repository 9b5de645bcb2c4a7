/**
 * kube-bench: on a node over SSH (the thesis's way) or as an in-cluster Job. On a node it runs with sudo
 * from a private directory this run creates (src/ssh/privateDir.ts), checked by owner, mode and sha256 in
 * the same shell command that runs it, and removed afterwards.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ToolRunRequest, ToolRunSummary } from '../src/domain/contracts';
import {
  checksumGuard,
  createPrivateDir,
  GUARD_EXIT,
  guardedRunCommand,
  notWritableByOthersGuard,
  PrivateDirFailure,
  privateDirGuard,
  removePrivateDirCommand,
} from '../src/ssh/privateDir';
import { shellCommand, shellQuote } from '../src/ssh/shell';
import { safeHeartbeat } from '../src/temporal/heartbeat';
import { kubeBenchArgs, toolPrivateDirPrefix } from '../src/tools/toolCommands';
import { kubeBenchJob, KUBE_BENCH_CONTAINER } from '../src/tools/jobs';
import type { FindingsDocument } from '../src/tools/findings';
import { parseKubeBenchJson } from '../src/tools/kubeBenchReport';

type KubeBenchReport = ReturnType<typeof parseKubeBenchJson>;
import { remoteKubeBenchVersion, stageKubeBench } from './toolInstall';
import { tail, ToolFailure, withHeartbeat, type ToolActivityDeps, type ToolRunKit } from './toolRun';

export function createKubeBenchActivities(deps: ToolActivityDeps, kit: ToolRunKit) {
  const {
    now,
    timeouts,
    parseOrFail,
    runFailed,
    finish,
    pickNode,
    clusterMinorVersion,
    withSession,
    jobNamespace,
    runJob,
    noOutputDocument,
  } = kit;
  const privateDirParent = deps.privateDirParent ?? '/var/tmp';

  async function kubeBenchOnNode(req: ToolRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeBench;
    const node = await pickNode(req, spec.node);
    const warnings: string[] = [];
    const kubeVersion = spec.benchmark ? undefined : await clusterMinorVersion(req.cluster, warnings);
    return withSession(node, async (session) => {
      const target = node.name;
      const dir = await createPrivateDir(session, target, privateDirParent, toolPrivateDirPrefix(req.runId));
      try {
        let binary: string;
        let configDir: string;
        let version: string | undefined;
        const guards = [privateDirGuard(dir)];
        if (spec.binaryPath) {
          // A kube-bench the worker config names: run where it is, if nobody but root and the SSH user can change it.
          binary = spec.binaryPath;
          configDir = spec.configDir ?? path.posix.join(path.posix.dirname(binary), 'cfg');
          version = await remoteKubeBenchVersion(session, binary);
          if (!version) {
            throw ApplicationFailure.nonRetryable(
              `tools.kubeBench.binaryPath: ${binary} does not run on node ${target} (\`${binary} version\` failed)`,
              ToolFailure.Missing,
            );
          }
          const cfg = await session.exec(`test -f ${shellQuote(path.posix.join(configDir, 'config.yaml'))}`);
          if (cfg.code !== 0) {
            throw ApplicationFailure.nonRetryable(
              `tools.kubeBench.configDir: ${configDir} on node ${target} has no config.yaml (kube-bench's cfg/ folder)`,
              ToolFailure.Missing,
            );
          }
          guards.push(notWritableByOthersGuard(binary, dir.uid));
        } else {
          safeHeartbeat({ step: 'upload kube-bench', node: target });
          const staged = await stageKubeBench(session, target, deps.binaries, dir, deps.workerTempDir);
          binary = staged.binary;
          configDir = spec.configDir ?? staged.configDir;
          version = staged.version;
          guards.push(checksumGuard(binary, staged.sha256));
        }
        const outputFile = path.posix.join(dir.path, 'kube-bench-node.json');
        const argv = [binary, ...kubeBenchArgs({ benchmark: spec.benchmark, kubeVersion, targets: spec.targets, configDir, outputFile })];
        const command = shellCommand(argv);
        const start = now();
        const result = await withHeartbeat(
          session.exec(guardedRunCommand({ guards, argv, outputFile, uid: dir.uid }), {
            privileged: true,
            timeoutMs: timeouts.kubeBenchMs,
          }),
          { step: 'kube-bench', node: target },
        );
        const end = now();
        refuseTampered(result, target);
        if (result.code !== 0) {
          await runFailed(
            req,
            'kube-bench',
            'node',
            `\`${command}\` on ${target} exited with ${result.code ?? result.signal}: ${tail(result.stderr || result.stdout)}`,
            `${result.stdout}\n--- stderr ---\n${result.stderr}`,
          );
        }
        const raw = await fetchReport(session, outputFile, async (error) =>
          runFailed(
            req,
            'kube-bench',
            'node',
            `it exited 0 but wrote no report ${outputFile} on ${target} (${error.message})`,
            `${result.stdout}\n--- stderr ---\n${result.stderr}`,
          ),
        );
        const report = await parseOrFail(req, 'kube-bench', 'node', raw, () => parseKubeBenchJson(raw, { mode: 'node', target }));
        return finish(req, benchDocument('node', target, version, { start, end }, report, command, warnings));
      } finally {
        await session.exec(removePrivateDirCommand(dir)).catch(() => undefined);
      }
    }, req.runId);
  }

  function benchDocument(
    mode: 'node' | 'job',
    target: string,
    version: string | undefined,
    run: { start: number; end: number },
    report: KubeBenchReport,
    command: string,
    warnings: string[],
  ): FindingsDocument {
    const { benchmark, detectedVersion, findings, totals } = report;
    return {
      tool: 'kube-bench',
      mode,
      target,
      toolVersion: version,
      start: run.start,
      end: run.end,
      outcome: 'ok',
      benchmark,
      detectedVersion,
      findings,
      totals,
      command,
      warnings: [...warnings, ...report.warnings],
    };
  }

  /** A guard refused to run: the private directory or the binary changed under us. Never retried. */
  function refuseTampered(result: { code: number | null; stderr: string }, target: string): void {
    const guard = [GUARD_EXIT.unsafeDir, GUARD_EXIT.checksum, GUARD_EXIT.writableByOthers] as number[];
    if (result.code === null || !guard.includes(result.code) || !result.stderr.includes('hardenlab: ')) return;
    const type = result.code === GUARD_EXIT.checksum ? PrivateDirFailure.ChecksumMismatch : PrivateDirFailure.Unsafe;
    throw ApplicationFailure.nonRetryable(`kube-bench was not run on ${target}: ${result.stderr.trim().split('\n').pop()}`, type);
  }

  async function fetchReport(
    session: { download(remote: string, local: string): Promise<unknown> },
    remote: string,
    onMissing: (error: Error) => Promise<never>,
  ): Promise<string> {
    const localDir = await fs.mkdtemp(path.join(deps.workerTempDir, 'hardenlab-kube-bench-'));
    try {
      const local = path.join(localDir, 'report.json');
      await session.download(remote, local).catch((error: unknown) => onMissing(error as Error));
      return await fs.readFile(local, 'utf8');
    } finally {
      await fs.rm(localDir, { recursive: true, force: true });
    }
  }

  async function kubeBenchJobMode(req: ToolRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeBench;
    const warnings: string[] = [];
    const kube = await deps.kube(req.cluster);
    const kubeVersion = spec.benchmark ? undefined : await clusterMinorVersion(req.cluster, warnings);
    const version = deps.binaries.kubeBenchVersion;
    const namespace = await jobNamespace(req, kube, warnings);
    const job = kubeBenchJob({
      runId: req.runId,
      namespace,
      image: deps.kubeBenchImage ?? `docker.io/aquasec/kube-bench:${version}`,
      benchmark: spec.benchmark,
      kubeVersion,
      targets: spec.targets,
      nodeName: spec.node,
    });
    const command = `Job ${namespace}/${job.metadata.name}`;
    const run = await runJob(req, 'kube-bench', 'job', kube, job, KUBE_BENCH_CONTAINER);
    // The node it ran on: its CPU cost shows in that node's samples.
    const target = spec.node ?? run.nodeName ?? 'cluster';
    if (run.log === undefined) return finish(req, noOutputDocument('kube-bench', 'job', target, version, run, command, warnings));
    const raw = run.log;
    const report = await parseOrFail(req, 'kube-bench', 'job', raw, () => parseKubeBenchJson(raw, { mode: 'job', target }));
    return finish(req, benchDocument('job', target, version, run, report, command, warnings));
  }

  async function runKubeBench(req: ToolRunRequest): Promise<ToolRunSummary> {
    if (!req.tools.kubeBench.enabled) {
      throw ApplicationFailure.nonRetryable(
        'tools.kubeBench.enabled is false: the workflow should not run kube-bench',
        ToolFailure.ConfigInvalid,
      );
    }
    return req.tools.kubeBench.mode === 'job' ? kubeBenchJobMode(req) : kubeBenchOnNode(req);
  }

  return { runKubeBench };
}
