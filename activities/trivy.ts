/**
 * Trivy: `trivy k8s` on the worker host against the cluster's kubeconfig, offline (src/tools/toolCommands.ts says what
 * that leaves out), in a private directory of the run's that is removed afterwards. Two modes: the misconfiguration
 * (and RBAC) scan, and a compliance report (CIS by default).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { ToolRunSummary } from '../src/domain/contracts';
import { shellCommand } from '../src/ssh/shell';
import { hostOfServer, trivyArgs, trivyEnv } from '../src/tools/toolCommands';
import { parseTrivyComplianceJson, parseTrivyMisconfigJson } from '../src/tools/trivyReport';
import { tail, ToolFailure, withHeartbeat, type ToolActivityDeps, type ToolRunKit, type TrivyRunRequest } from './toolRun';

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr, error: (error as NodeJS.ErrnoException | null) ?? undefined });
    });
  });
}

export function createTrivyActivities(deps: ToolActivityDeps, kit: ToolRunKit) {
  const { now, timeouts, parseOrFail, runFailed, finish } = kit;

  async function runTrivy(req: TrivyRunRequest): Promise<ToolRunSummary> {
    const spec = req.tools.trivy;
    if (!spec?.enabled) {
      throw ApplicationFailure.nonRetryable('tools.trivy.enabled is false: the workflow should not run Trivy', ToolFailure.ConfigInvalid);
    }
    if (req.mode !== 'misconfig' && req.mode !== 'compliance') {
      const what = `unknown Trivy mode ${JSON.stringify(req.mode)} (misconfig or compliance)`;
      throw ApplicationFailure.nonRetryable(what, ToolFailure.ConfigInvalid);
    }
    const binary = spec.binaryPath ?? deps.binaries.trivy;
    if (!binary) {
      const what = 'no Trivy for this worker: build it with scripts/tools/build-trivy.sh, or set tools.trivy.binaryPath in its config';
      throw ApplicationFailure.nonRetryable(what, ToolFailure.Missing);
    }
    const target = hostOfServer((await deps.kube(req.cluster)).server);
    const privateDir = await fs.mkdtemp(path.join(deps.workerTempDir, 'hardenlab-trivy-'));
    try {
      const outputFile = path.join(privateDir, 'report.json');
      const timeoutSeconds = Math.round(timeouts.trivyMs / 1000);
      const args = trivyArgs({
        mode: req.mode,
        compliance: spec.compliance,
        kubeconfig: req.cluster.kubeconfigPath,
        context: req.cluster.context,
        cacheDir: path.join(privateDir, 'cache'),
        outputFile,
        timeoutSeconds,
      });
      // The report shows the command without the throwaway directory's random name.
      const command = shellCommand([binary, ...args]).split(privateDir).join('<private dir>');
      const start = now();
      // Trivy's own --timeout ends the scan; the process timeout (a minute later) only catches a hang.
      const scan = run(binary, args, trivyEnv(deps.env, privateDir), timeouts.trivyMs + 60_000);
      const result = await withHeartbeat(scan, { step: 'trivy', mode: req.mode, target });
      const end = now();
      if (result.error?.code === 'ENOENT') {
        const what =
          `Trivy is not installed at ${binary}: run scripts/tools/build-trivy.sh (or set tools.trivy.binaryPath in the ` +
          `worker's config)`;
        throw ApplicationFailure.nonRetryable(what, ToolFailure.Missing);
      }
      const output = await fs.readFile(outputFile, 'utf8').catch(() => '');
      if (result.code !== 0) {
        const what = `\`${command}\` exited with ${result.code ?? 'a signal (timeout?)'}: ${tail(result.stderr || result.stdout)}`;
        await runFailed(req, 'trivy', req.mode, what, `${output}\n--- stderr ---\n${result.stderr}`);
      }
      const warnings = [
        'Trivy ran offline: no vulnerability database, no checks bundle update (the checks embedded in its build), ' +
          'no image scan and no node collector (node file and kubelet checks are not evaluated)',
      ];
      const parse = req.mode === 'compliance' ? parseTrivyComplianceJson : parseTrivyMisconfigJson;
      const report = await parseOrFail(req, 'trivy', req.mode, output, () => parse(output, { target }));
      warnings.push(...report.errors.slice(0, 10).map((e) => `Trivy could not scan ${e}`));
      return finish(req, {
        tool: 'trivy',
        mode: req.mode,
        target,
        toolVersion: deps.binaries.trivyVersion,
        start,
        end,
        outcome: 'ok',
        benchmark: report.spec,
        findings: report.findings,
        totals: report.totals,
        command,
        warnings,
      });
    } finally {
      await fs.rm(privateDir, { recursive: true, force: true });
    }
  }

  return { runTrivy };
}
