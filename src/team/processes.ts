/**
 * The team server's long-running processes (Temporal server, Web UI server): started detached with a pid
 * file and a log file, so they outlive the `hardenlab testbed temporal up` that started them, and found again by
 * `status` and `down`.
 */
import { probeFrontend } from '../temporal/devServer';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { logTail } from '../process/logTail';
import { commandLine, isAlive, readPidFile, sleep, stopProcess, waitFor } from '../process/subprocess';
import { DB_PASSWORD_ENV, SERVER_ENV } from './serverConfig';
import { readPassword } from './postgres';
import { frontendAddress, uiUrl, type TeamLayout } from './teamLayout';

/** The pid in the file, if that process still runs the given program (a reused pid is not ours). */
export function runningPid(pidFile: string, program: string): number | undefined {
  const pid = readPidFile(pidFile);
  return pid !== undefined && isAlive(pid) && commandLine(pid).includes(program) ? pid : undefined;
}

function startDetached(program: string, args: string[], logFile: string, pidFile: string, env: NodeJS.ProcessEnv): number {
  const out = fs.openSync(logFile, 'a');
  try {
    const child = spawn(program, args, { detached: true, stdio: ['ignore', out, out], env });
    child.unref();
    fs.writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid!;
  } finally {
    fs.closeSync(out);
  }
}

/** Starts the server from `env` (the CLI's environment) plus the database password. */
export function startServer(layout: TeamLayout, serverBinary: string, env: NodeJS.ProcessEnv): number {
  const running = runningPid(layout.serverPidFile, serverBinary);
  if (running !== undefined) return running;
  const serverEnv = { ...env, [DB_PASSWORD_ENV]: readPassword(layout.postgres) };
  const args = ['--root', layout.dir, '--config', 'config', '--env', SERVER_ENV, '--allow-no-auth', 'start'];
  return startDetached(serverBinary, args, layout.serverLog, layout.serverPidFile, serverEnv);
}

export function startUi(layout: TeamLayout, uiBinary: string, env: NodeJS.ProcessEnv): number {
  const running = runningPid(layout.uiPidFile, uiBinary);
  if (running !== undefined) return running;
  return startDetached(
    uiBinary,
    ['--root', layout.uiConfigDir, '--config', '.', '--env', SERVER_ENV, 'start'],
    layout.uiLog,
    layout.uiPidFile,
    env,
  );
}

export async function stopByPidFile(pidFile: string, program: string): Promise<boolean> {
  const pid = runningPid(pidFile, program);
  fs.rmSync(pidFile, { force: true });
  if (pid === undefined) return false;
  await stopProcess(pid, 20_000);
  return true;
}

/** Whether the frontend answers the gRPC health check as SERVING and serves GetSystemInfo. */
export function frontendHealthy(address: string): Promise<boolean> {
  return probeFrontend(address, async (connection) => {
    const health = await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
    if (health.status !== 1) return false; // 1 = SERVING
    await connection.workflowService.getSystemInfo({});
    return true;
  });
}

/** Waits until the server serves, failing early (with its log) when the process exits. */
export async function waitServerHealthy(layout: TeamLayout, serverBinary: string, timeoutMs = 180_000): Promise<void> {
  const address = frontendAddress(layout);
  const deadline = Date.now() + timeoutMs;
  while (!(await frontendHealthy(address))) {
    const problem =
      runningPid(layout.serverPidFile, serverBinary) === undefined
        ? 'exited'
        : Date.now() > deadline
          ? `did not serve on ${address} within ${timeoutMs / 1000} s`
          : undefined;
    if (problem) throw new Error(`the Temporal server ${problem}; ${layout.serverLog}:\n${logTail(layout.serverLog, 15).join('\n')}`);
    await sleep(1_000);
  }
}

/** The UI answers its own API with the server's namespaces: it is up and reaches the frontend. */
export async function uiServes(layout: TeamLayout): Promise<boolean> {
  try {
    const response = await fetch(`${uiUrl(layout)}/api/v1/namespaces`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { namespaces?: { namespaceInfo?: { name?: string } }[] };
    return (body.namespaces ?? []).some((n) => n.namespaceInfo?.name === 'default');
  } catch {
    return false;
  }
}

export async function waitUiServes(layout: TeamLayout, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `the Temporal Web UI on ${uiUrl(layout)}`,
    async () => ((await uiServes(layout)) ? true : undefined),
    timeoutMs,
    1_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${layout.uiLog}:\n${logTail(layout.uiLog, 15).join('\n')}`);
  });
}
