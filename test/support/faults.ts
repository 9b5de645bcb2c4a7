/**
 * Fault injection on the real components: a worker in its own process (to SIGKILL), workflow probes, node
 * samplers, and where the figures of each fault are written for docs/measurements.md. The test bed the faults hit is
 * faultsBed.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { hardenlabHome, repoRoot } from '../../src/config/paths';
import { REMOTE_ROOT } from '../../src/sampling/samplingScripts';
import { isAlive, readPidFile, waitFor } from '../../src/process/subprocess';

const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

/** Rejects when `promise` does not settle within `ms`. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------- worker

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  alive(): boolean;
  /** SIGKILL: no graceful shutdown, running activities are abandoned mid-way. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts `test/support/workerProcess.ts` in a child process and waits until its worker runs. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const out = fs.openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    ['-r', path.join(repoRoot, 'test/support/registerTs.js'), path.join(repoRoot, 'test/support/workerProcess.ts'), JSON.stringify({ address: options.address, taskQueue: options.taskQueue })],
    { cwd: repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', out] },
  );
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  await bounded(
    new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (buffered.includes('"ready":true')) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`worker process exited (${code ?? signal}) before it was ready; see ${options.logFile}`)));
    }),
    90_000,
    'the worker process start',
  ).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  log(`worker process ${child.pid} polls ${options.taskQueue}`);
  return {
    pid: child.pid!,
    child,
    exited,
    alive,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
      log(`worker process ${child.pid} killed with SIGKILL`);
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ------------------------------------------------------------------------------------- workflow probes

/** Polls until `check` returns a value; errors while polling (a server restarting) count as "not yet". */
export async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  return waitFor(what, check, timeoutMs, intervalMs);
}

const PENDING_ACTIVITY_STARTED = 2; // temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED

/** Waits until an activity of this type runs on a worker (not merely scheduled), polling fast. */
export async function waitActivityStarted(handle: WorkflowHandle, activityType: string, timeoutMs: number): Promise<{ attempt: number }> {
  return poll(
    `activity ${activityType} of ${handle.workflowId} to start`,
    async () => {
      const { raw } = await handle.describe();
      const found = (raw.pendingActivities ?? []).find((a) => a.activityType?.name === activityType && Number(a.state) === PENDING_ACTIVITY_STARTED);
      return found ? { attempt: found.attempt ?? 1 } : undefined;
    },
    timeoutMs,
    50,
  );
}

/** True while an activity of this type is pending (scheduled, running or waiting for a retry). */
export async function activityPending(handle: WorkflowHandle, activityType: string): Promise<boolean> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === activityType);
}

export interface ActivityAttempts {
  /** Attempts made, retries included. */
  attempts: number;
  /** Activities that failed or timed out after their last attempt. */
  failed: number;
  timedOut: number;
}

/** Per activity type: attempts (retries included) and final failures/timeouts, from the workflow history. */
export async function activityAttempts(handle: WorkflowHandle): Promise<Record<string, ActivityAttempts>> {
  const history = await handle.fetchHistory();
  const typeBySchedule = new Map<string, string>();
  const out: Record<string, ActivityAttempts> = {};
  const entry = (type: string) => (out[type] ??= { attempts: 0, failed: 0, timedOut: 0 });
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeBySchedule.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    // Temporal writes one started event per activity, carrying the number of the attempt that closed it.
    const started = event.activityTaskStartedEventAttributes;
    if (started) entry(typeBySchedule.get(String(started.scheduledEventId)) ?? '?').attempts += started.attempt ?? 1;
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) entry(typeBySchedule.get(String(failed.scheduledEventId)) ?? '?').failed++;
    const timedOut = event.activityTaskTimedOutEventAttributes;
    if (timedOut) entry(typeBySchedule.get(String(timedOut.scheduledEventId)) ?? '?').timedOut++;
  }
  return out;
}

/** The node-side sampler (sadc) pid of a run, as the sampler's pid file names it (node hosts log in as root). */
export function samplerPid(runId: string, nodeName: string): number | undefined {
  const pid = readPidFile(path.join(os.userInfo().homedir, REMOTE_ROOT, runId, nodeName, 'sampler.pid'));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

// ----------------------------------------------------------------------------------------- figures

export interface FaultFigure {
  fault: string;
  completed: boolean;
  /** The scenario's final status (completed, or cancelled in the cancellation test). */
  status: string;
  samples: number;
  expectedSamples: number;
  /** Samples missing beyond recorded gaps. */
  samplesLost: number;
  gaps: number;
  gapSeconds: number;
  leftovers: number;
  /** Activity attempts beyond the first (retries the fault caused). */
  retries: number;
  durationSeconds: number;
  notes?: string;
}

export function reliabilityFile(): string {
  return path.join(hardenlabHome(), 'reliability.json');
}

/** Prints the one-line figure and merges it into `.hardenlab/reliability.json` (one entry per fault). */
export function recordFigure(figure: FaultFigure): string {
  const line = `fault: ${figure.fault}, ${figure.status}, samples ${figure.samples}/expected ${figure.expectedSamples}, lost ${figure.samplesLost}, gaps ${figure.gaps}, retries ${figure.retries}, leftovers ${figure.leftovers}, ${figure.durationSeconds} s`;
  process.stdout.write(`${line}\n`);
  const file = reliabilityFile();
  let existing: { faults?: Record<string, FaultFigure & { line: string; at: string }> } = {};
  try {
    existing = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof existing;
  } catch {
    // first figure
  }
  const faults = { ...(existing.faults ?? {}), [figure.fault]: { ...figure, line, at: new Date().toISOString() } };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...existing, faults }, null, 2)}\n`);
  return line;
}
