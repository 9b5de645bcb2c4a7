/**
 * Fault injection on the real components: a worker in its own process (to SIGKILL), the control plane
 * processes of the faults' own test bed (stop one, start it again exactly as kwokctl launched it), node hosts' sshd,
 * node samplers, and where the figures of each fault are written for the README.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { hardenlabHome, repoRoot } from '../../src/config/paths';
import { REMOTE_ROOT } from '../../src/sampling/commands';
import { binaryPaths, numberedNodes, readVersions, simDown, simLayout, simStatus, simUp, withSimLock, type SimInstance, type SimLayout, type SimNode, type SimUpResult } from '../../src/testbed';
import { waitClusterReady, type ClusterContext } from '../../src/testbed/cluster';
import { startNodeHost, stopNodeHost } from '../../src/testbed/nodeHosts';
import { isAlive, readPidFile, sleep, stopProcess, waitFor } from '../../src/testbed/process';

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

// ------------------------------------------------------------------------------------ the faults' test bed

/**
 * The fault tests' own KWOK test bed: other ports, node addresses and data folder than the shared one, so the
 * apiserver and sshd they stop belong to nobody else and the other test-bed files run beside them.
 */
export const FAULTS_INSTANCE: SimInstance = {
  clusterName: 'hardenlab-faults',
  ports: { kubeApiserver: 27443, etcd: 23379, etcdPeer: 23380, kubeControllerManager: 31257, kubeScheduler: 31259, kwokController: 31247, ssh: 22 },
  nodes: numberedNodes('fault-node', 61),
};

/** How kwokctl launched one control plane process, read from /proc so it can be started again as it was. */
export interface ComponentLaunch {
  name: string;
  pidFile: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** A test bed instance in its own data folder, and the faults one can inject into it. */
export class FaultsBed {
  readonly layout: SimLayout;

  constructor(
    readonly home: string,
    readonly instance: SimInstance = FAULTS_INSTANCE,
  ) {
    this.layout = simLayout(home, instance);
  }

  up(): Promise<SimUpResult> {
    return simUp({ home: this.home, instance: this.instance, nodes: 'kwok', log });
  }

  down(): Promise<unknown> {
    return simDown({ home: this.home, instance: this.instance, log });
  }

  private clusterContext(): ClusterContext {
    const versions = readVersions();
    return { layout: this.layout, binaries: binaryPaths(versions), versions, log };
  }

  private pidsDir(): string {
    return path.join(this.layout.kwokClusterDir, 'pids');
  }

  /** Launch specs of every running control plane component (etcd, kube-apiserver, controllers, kwok). */
  snapshotControlPlane(): ComponentLaunch[] {
    return fs
      .readdirSync(this.pidsDir())
      .filter((file) => file.endsWith('.pid'))
      .map((file) => {
        const pidFile = path.join(this.pidsDir(), file);
        const pid = readPidFile(pidFile);
        if (pid === undefined || !isAlive(pid)) throw new Error(`control plane component ${file} is not running before the fault`);
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const env = Object.fromEntries(
          fs
            .readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .filter((kv) => kv.includes('='))
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        return { name: file.replace(/\.pid$/, ''), pidFile, argv, cwd: fs.readlinkSync(`/proc/${pid}/cwd`), env, logFile: fs.readlinkSync(`/proc/${pid}/fd/1`) };
      });
  }

  /** Stops one control plane component (SIGTERM, then SIGKILL after 10 s). */
  async stopComponent(name: string): Promise<number> {
    const pid = readPidFile(path.join(this.pidsDir(), `${name}.pid`));
    if (pid === undefined || !isAlive(pid)) throw new Error(`${name} is not running`);
    await stopProcess(pid);
    log(`${name} (pid ${pid}) stopped`);
    return pid;
  }

  /**
   * Starts every component of the snapshot that no longer runs (the stopped one, and any that exited
   * meanwhile — the controller manager and scheduler exit when they lose their leader lease), then waits
   * until the API answers /readyz, every component has stayed up for a while and the nodes are Ready.
   */
  async restoreControlPlane(snapshot: readonly ComponentLaunch[], timeoutMs = 120_000): Promise<string[]> {
    const restarted: string[] = [];
    const deadline = Date.now() + timeoutMs;
    const ctx = this.clusterContext();
    // Leader election may give up a few seconds after the API returns: check again until stable.
    for (let stableRounds = 0; stableRounds < 3; ) {
      let relaunched = false;
      for (const component of snapshot) {
        const pid = readPidFile(component.pidFile);
        if (pid === undefined || !isAlive(pid)) {
          launch(component);
          restarted.push(component.name);
          relaunched = true;
        }
      }
      await waitClusterReady(ctx, this.instance.nodes, Math.max(5_000, deadline - Date.now()));
      stableRounds = relaunched ? 0 : stableRounds + 1;
      if (Date.now() > deadline) throw new Error(`control plane not stable within ${timeoutMs / 1000} s (restarted ${restarted.join(', ')})`);
      await sleep(2_000);
    }
    return restarted;
  }

  /**
   * Holds the test bed's own lock (the one `simUp` takes, `<home>/.sim.lock` naming its holder's pid) while a
   * component is down, so nothing that calls `simUp` on this bed meanwhile recreates it over a broken control plane.
   */
  withLock<T>(fn: () => Promise<T>, waitMs = 300_000): Promise<T> {
    return withSimLock(this.home, fn, waitMs);
  }

  /** The whole test bed runs: every component and node host alive, the API ready. */
  async assertHealthy(): Promise<void> {
    const status = await simStatus({ home: this.home, instance: this.instance });
    if (!status.running) {
      const down = [...status.components.filter((c) => !c.running).map((c) => c.name), ...status.nodeHosts.filter((n) => !n.running).map((n) => `sshd ${n.name}`)];
      throw new Error(`test bed not healthy after the fault: api ready ${status.apiReady}; down: ${down.join(', ') || 'none'}`);
    }
  }

  private node(name: string): SimNode {
    const node = this.instance.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in test bed ${this.instance.clusterName}`);
    return node;
  }

  /**
   * Stops a node host's sshd like a crashed or stopped daemon: the listener and its open sessions, so an
   * SFTP transfer under way breaks too. Processes the sessions started (a detached sampler) are left alone.
   */
  async stopSshd(nodeName: string): Promise<void> {
    const node = this.node(nodeName);
    const listener = readPidFile(path.join(this.layout.nodeDir(node.name), 'sshd.pid'));
    const sessions = listener ? descendants(listener).filter((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sshd')) : [];
    await stopNodeHost(node, this.layout, log);
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    log(`sshd of ${nodeName} stopped with ${sessions.length} session process(es)`);
  }

  async startSshd(nodeName: string): Promise<void> {
    await startNodeHost(this.node(nodeName), this.layout, log);
  }
}

function launch(component: ComponentLaunch): number {
  const out = fs.openSync(component.logFile, 'a');
  // Detached, as kwokctl leaves it: the component outlives this test process.
  const child = spawn(component.argv[0]!, component.argv.slice(1), { cwd: component.cwd, env: component.env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(component.pidFile, String(child.pid));
  log(`${component.name} started again (pid ${child.pid})`);
  return child.pid!;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
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
