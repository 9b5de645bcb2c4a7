/**
 * kube-hunter: remote from the worker, on a node's interface over SSH, or `--pod` as an in-cluster Job.
 */
import { execFile } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import type { ToolRunSummary } from '../src/domain/contracts';
import { shellCommand } from '../src/ssh/shell';
import { hostOfServer, kubeHunterArgs, kubeHunterEnv } from '../src/tools/toolCommands';
import { kubeHunterJob, KUBE_HUNTER_CONTAINER } from '../src/tools/jobs';
import { parseKubeHunterJson } from '../src/tools/kubeHunterReport';
import {
  tail,
  ToolFailure,
  withHeartbeat,
  type KubeHunterRunRequest,
  type RawRun,
  type ToolActivityDeps,
  type ToolRunKit,
} from './toolRun';

export function createKubeHunterActivities(deps: ToolActivityDeps, kit: ToolRunKit) {
  const { now, timeouts, parseOrFail, runFailed, finish, pickNode, withSession, jobNamespace, runJob, noOutputDocument } = kit;

  function hunterDocument(
    req: KubeHunterRunRequest,
    target: string,
    run: RawRun,
    version: string,
    warnings: string[],
  ): Promise<ToolRunSummary> {
    return parseOrFail(req, 'kube-hunter', req.mode, run.output, () => parseKubeHunterJson(run.output, { mode: req.mode, target })).then(
      (report) =>
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
        execFile(
          deps.binaries.kubeHunter,
          args,
          { env: kubeHunterEnv(deps.env), timeout: timeouts.kubeHunterMs, maxBuffer: 256 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
            resolve({ code, stdout, stderr, error: error ?? undefined });
          },
        );
      }),
      { step: 'kube-hunter', target },
    );
    const end = now();
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw ApplicationFailure.nonRetryable(
        `kube-hunter is not installed at ${deps.binaries.kubeHunter}: run scripts/tools/install-kube-hunter.sh`,
        ToolFailure.Missing,
      );
    }
    if (result.code !== 0) {
      await runFailed(
        req,
        'kube-hunter',
        'remote',
        `\`${command}\` exited with ${result.code ?? 'a signal (timeout?)'}: ${tail(result.stderr || result.stdout)}`,
        `${result.stdout}\n--- stderr ---\n${result.stderr}`,
      );
    }
    return hunterDocument(req, target, { output: result.stdout, start, end, command }, deps.binaries.kubeHunterVersion, warnings);
  }

  async function hunterInterface(req: KubeHunterRunRequest, warnings: string[]): Promise<ToolRunSummary> {
    const node = await pickNode(req, req.tools.kubeBench.node);
    const program = deps.nodeKubeHunter ?? 'kube-hunter';
    const command = shellCommand([program, ...kubeHunterArgs({ mode: 'interface', active: req.tools.kubeHunter.active })]);
    return withSession(node, async (session) => {
      const start = now();
      const result = await withHeartbeat(session.exec(command, { timeoutMs: timeouts.kubeHunterMs }), {
        step: 'kube-hunter',
        node: node.name,
      });
      const end = now();
      if (result.code === 127) {
        throw ApplicationFailure.nonRetryable(
          `kube-hunter is not installed on node ${node.name} (\`${program}\` not found); interface mode runs it there`,
          ToolFailure.Missing,
        );
      }
      if (result.code !== 0) {
        await runFailed(
          req,
          'kube-hunter',
          'interface',
          `\`${command}\` on ${node.name} exited with ${result.code ?? result.signal}: ${tail(result.stderr || result.stdout)}`,
          `${result.stdout}\n--- stderr ---\n${result.stderr}`,
        );
      }
      const version = deps.binaries.kubeHunterVersion;
      return hunterDocument(req, node.name, { output: result.stdout, start, end, command }, version, warnings);
    }, req.runId);
  }

  async function hunterPod(req: KubeHunterRunRequest, warnings: string[]): Promise<ToolRunSummary> {
    const spec = req.tools.kubeHunter;
    const kube = await deps.kube(req.cluster);
    const namespace = await jobNamespace(req, kube, warnings);
    const job = kubeHunterJob({ runId: req.runId, namespace, image: spec.image, active: spec.active });
    const podArgs = kubeHunterArgs({ mode: 'pod', active: spec.active }).join(' ');
    const command = `Job ${namespace}/${job.metadata.name} (${spec.image} ${podArgs})`;
    const version = /:([^:/@]+)$/.exec(spec.image)?.[1];
    const run = await runJob(req, 'kube-hunter', 'pod', kube, job, KUBE_HUNTER_CONTAINER);
    // The node its pod ran on: the hunt's CPU cost shows there.
    const target = run.nodeName ?? 'cluster';
    if (run.log === undefined) return finish(req, noOutputDocument('kube-hunter', 'pod', target, version, run, command, warnings));
    return hunterDocument(
      req,
      target,
      { output: run.log, start: run.start, end: run.end, command },
      version ?? deps.binaries.kubeHunterVersion,
      warnings,
    );
  }

  /**
   * `interface` and `pod` probe whole subnets (the network rule): only where the worker's config allows them, and,
   * when it names a closed namespace, only after that namespace's configuration proves nothing can leave it.
   */
  async function ensureSubnetProbesAllowed(req: KubeHunterRunRequest): Promise<string[]> {
    const probes = req.tools.kubeHunter.subnetProbes;
    if (!probes.allowed) {
      throw ApplicationFailure.nonRetryable(
        `kube-hunter ${req.mode} mode probes whole subnets, and the worker's config does not allow that ` +
          `(tools.kubeHunter.subnetProbes.allowed; with closedNamespace for a test bed)`,
        ToolFailure.ConfigInvalid,
      );
    }
    if (!probes.closedNamespace) return [];
    const violations = await deps.namespaceClosureViolations(probes.closedNamespace);
    if (violations.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `kube-hunter ${req.mode} mode was not run: network namespace ${probes.closedNamespace} is not closed (${violations.join('; ')})`,
        ToolFailure.NetworkNotClosed,
      );
    }
    return [
      `kube-hunter ${req.mode} mode ran after network namespace ${probes.closedNamespace} was proven closed (no default route, no NAT, ` +
        `no forwarding, no link to the host)`,
    ];
  }

  async function runKubeHunter(req: KubeHunterRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.kubeHunter;
    if (!spec.enabled) {
      throw ApplicationFailure.nonRetryable(
        'tools.kubeHunter.enabled is false: the workflow should not run kube-hunter',
        ToolFailure.ConfigInvalid,
      );
    }
    const warnings = spec.active
      ? [
          'kube-hunter ran with --active (tools.kubeHunter.active): active hunters try to exploit what they find and may have changed ' +
            'the cluster',
        ]
      : [];
    if (req.mode === 'interface' || req.mode === 'pod') warnings.push(...(await ensureSubnetProbesAllowed(req)));
    switch (req.mode) {
      case 'remote':
        return hunterRemote(req, warnings);
      case 'interface':
        return hunterInterface(req, warnings);
      case 'pod':
        return hunterPod(req, warnings);
      default:
        throw ApplicationFailure.nonRetryable(
          `unknown kube-hunter mode ${JSON.stringify(req.mode)} (remote, interface or pod)`,
          ToolFailure.ConfigInvalid,
        );
    }
  }

  return { runKubeHunter };
}
