/**
 * The team set-up of docker-compose.yml, run natively (`hardenlab testbed temporal up`): the Temporal server
 * and temporal-sql-tool built from go.temporal.io/server at deploy/versions.env's release, on a throwaway
 * Debian PostgreSQL cluster. Two worker processes of team A share one task queue and one data folder (as
 * the compose file's replicas share a volume); a three-scenario per-scenario experiment samples real
 * sshd + sysstat hosts on loopback addresses (what needs a cluster is a double). Mid-window one worker is
 * SIGKILLed and then the server is restarted; the run completes on the other worker from PostgreSQL with
 * every sample. Team B runs a workflow of the same id in its own namespace, with its own worker, and
 * neither team sees the other's.
 */
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { ExperimentResult } from '../../src/domain/progress';
import { sleep } from '../../src/process/subprocess';
import { scenarioProgressQuery } from '../../workflows/definitions';
import {
  ensureNamespace,
  readTeamVersions,
  reserveTeamPorts,
  startServer,
  stopByPidFile,
  teamBinaryPaths,
  teamLayout,
  teamServerDown,
  teamServerUp,
  waitServerHealthy,
} from '../../src/team';
import { reservePort, type PortReservation } from '../../src/temporal/ports';
import type { TeamPorts } from '../../src/team/teamLayout';
import { runningPid } from '../../src/team/processes';
import { SshHost, writeNodeMap } from '../support/sshHost';
import { readCalls, startTeamWorker, type TeamWorkerProcess } from '../support/teamWorkers';

jest.setTimeout(10 * 60_000);

// Ports beside a running `hardenlab testbed temporal up`, reserved machine-wide; node hosts on addresses no other test uses.
let ports: TeamPorts;
let releasePorts = () => undefined as void;
let sshPort: PortReservation;
const TEAM_A_NODES = ['127.0.0.51', '127.0.0.52'];
const TEAM_B_NODES = ['127.0.0.53'];
const WINDOW_SECONDS = 40;
// One id for both teams (namespaces keep them apart), new for each test run (node-side state is per run id).
const WORKFLOW_ID = `lab-${Date.now().toString(36)}`;
// Team B's node is its own account: every "node" here is this machine, and sampler state lives in the SSH
// user's home, so two teams as root would share it where two real clusters would not.
const TEAM_B_USER = `hlteamb${process.pid}`;
const QUEUE = 'hardenlab';
const versions = readTeamVersions();
const binaries = teamBinaryPaths(versions);
const log = (line: string) => process.stderr.write(`[teams] ${line}\n`);

let home: string;
let address: string;
let hosts: SshHost[] = [];
let connection: Connection | undefined;
const workers: Record<string, TeamWorkerProcess> = {};
const callLog = () => path.join(home, 'calls.jsonl');
const teamHome = (team: string) => path.join(home, team);
const layout = () => teamLayout(home, ports);

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-teams-'));
  await fs.chmod(home, 0o755); // PostgreSQL's own user passes through to its cluster folder
  ({ ports, release: releasePorts } = await reserveTeamPorts());
  // the node hosts' sshd port too: a fixed one collided with this file running in another worktree at once
  sshPort = await reservePort();
  address = (await teamServerUp({ env: process.env, home, ports, log })).address;
  await ensureNamespace(address, 'team-b', 24 * 3600);
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', TEAM_B_USER]);
  execFileSync('usermod', ['-p', '*', TEAM_B_USER]); // no password, key login only
  hosts = await Promise.all([
    ...TEAM_A_NODES.map((host) => SshHost.start({ address: host, port: sshPort.port })),
    ...TEAM_B_NODES.map((host) => SshHost.start({ address: host, port: sshPort.port, allowUsers: [TEAM_B_USER] })),
  ]);
  const nodeMap = async (team: string, own: SshHost[], user = 'root') =>
    writeNodeMap(
      path.join(home, `${team}-nodes.yaml`),
      own.map((h, i) => h.nodeEntry(`node-${i + 1}`, { user })),
    );
  const mapA = await nodeMap('team-a', hosts.slice(0, 2));
  const mapB = await nodeMap('team-b', hosts.slice(2), TEAM_B_USER);
  const worker = (name: string, namespace: string, team: string, nodeMapPath: string) =>
    startTeamWorker({ name, address, namespace, taskQueue: QUEUE, home: teamHome(team), nodeMapPath, callLog: callLog() });
  Object.assign(
    workers,
    Object.fromEntries(
      await Promise.all([
        worker('a1', 'default', 'team-a', mapA).then((w) => ['a1', w] as const),
        worker('a2', 'default', 'team-a', mapA).then((w) => ['a2', w] as const),
        worker('b1', 'team-b', 'team-b', mapB).then((w) => ['b1', w] as const),
      ]),
    ),
  );
  connection = await Connection.connect({ address });
});

afterAll(async () => {
  await Promise.all(Object.values(workers).map((w) => w.stop()));
  await connection?.close();
  await Promise.all(hosts.map((h) => h.remove()));
  spawnSync('userdel', ['--remove', TEAM_B_USER]);
  if (home) {
    await teamServerDown({ env: process.env, home, ports, purge: true });
    await fs.rm(home, { recursive: true, force: true });
  }
  releasePorts();
  sshPort?.release();
});

const client = (namespace: string) => new Client({ connection: connection!, namespace });
const input = (scenarios: string[] | undefined, durationSeconds: number) => ({
  environment: 'lke',
  isolation: 'per-scenario',
  ...(scenarios ? { scenarios } : {}),
  window: { durationSeconds, intervalSeconds: 1, healthCheckSeconds: 5 },
  bootTime: { measure: false },
});

async function waitUntil<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The result; connection errors while the server restarts are waited out. A run that hangs says where its scenarios are. */
async function resultOf(handle: WorkflowHandle, namespace: string, timeoutMs = 240_000): Promise<ExperimentResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(remaining, 0))));
    try {
      const outcome = await Promise.race([handle.result() as Promise<ExperimentResult>, timedOut]);
      if (outcome !== 'timeout') return outcome;
      throw new Error(
        `${namespace}/${handle.workflowId} did not complete in ${timeoutMs / 1000} s; scenarios: ` +
          `${JSON.stringify(await scenarioProgress(namespace))}`,
      );
    } catch (error) {
      if (error instanceof WorkflowFailedError || Date.now() > deadline) throw error;
      await sleep(1_000);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function scenarioProgress(namespace: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const execution of client(namespace).workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    const progress = await client(namespace)
      .workflow.getHandle(execution.workflowId)
      .query(scenarioProgressQuery)
      .catch((e: Error) => e.message);
    out.push({ id: execution.workflowId, progress });
  }
  return out;
}

const readRecord = async (team: string, artifactKey: string) =>
  JSON.parse(await fs.readFile(path.join(teamHome(team), artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord;

describe('the team set-up on PostgreSQL', () => {
  it('serves the release deploy/versions.env pins, with the default namespace as the compose job creates it', async () => {
    const info = await connection!.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe(versions.temporal);
    const ns = await connection!.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 24 * 3600);
  });

  it("serves the Web UI built from ui-server at the pinned version, showing both teams' namespaces", async () => {
    const url = `http://127.0.0.1:${ports.ui}`;
    const settings = (await (await fetch(`${url}/api/v1/settings`)).json()) as { Version: string };
    expect(settings.Version).toBe(versions.ui);
    const body = (await (await fetch(`${url}/api/v1/namespaces`)).json()) as { namespaces: { namespaceInfo: { name: string } }[] };
    expect(body.namespaces.map((n) => n.namespaceInfo.name)).toEqual(expect.arrayContaining(['default', 'team-b']));
    const page = await fetch(`${url}/namespaces/team-b/workflows`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  let teamA: WorkflowHandle;
  let teamB: WorkflowHandle;
  let killedAt = 0;
  const restart = { stoppedAt: 0, servingAt: 0, oldPid: 0, newPid: 0 };
  let resultA: ExperimentResult;

  it('runs a three-scenario per-scenario experiment on both workers, through a worker SIGKILL and a server restart', async () => {
    teamA = await client('default').workflow.start('securityExperiment', {
      workflowId: WORKFLOW_ID,
      taskQueue: QUEUE,
      args: [input(undefined, WINDOW_SECONDS)],
    });
    teamB = await client('team-b').workflow.start('securityExperiment', {
      workflowId: WORKFLOW_ID,
      taskQueue: QUEUE,
      args: [input(['baseline'], 30)],
    });

    // All three scenarios sampling: the window is open.
    const started = await waitUntil('three samplers started', () => {
      const done = readCalls(callLog()).filter((c) => c.namespace === 'default' && c.activity === 'startSampling' && c.phase === 'done');
      return done.length === 3 ? done : undefined;
    });
    const before = readCalls(callLog()).filter((c) => c.namespace === 'default');
    expect(new Set(before.map((c) => c.worker))).toEqual(new Set(['a1', 'a2']));
    expect(new Set(started.map((c) => c.workflowId))).toEqual(
      new Set(['baseline', 'best-practices', 'security-tools'].map((s) => `${WORKFLOW_ID}/${s}/1`)),
    );

    await sleep(5_000);
    killedAt = Date.now();
    await workers.a1!.stop('SIGKILL');
    expect(workers.a1!.child.signalCode).toBe('SIGKILL');
    log('worker a1 SIGKILLed');

    await sleep(5_000);
    restart.oldPid = runningPid(layout().serverPidFile, binaries.server)!;
    restart.stoppedAt = Date.now();
    await stopByPidFile(layout().serverPidFile, binaries.server);
    restart.newPid = startServer(layout(), binaries.server, process.env);
    await waitServerHealthy(layout(), binaries.server);
    restart.servingAt = Date.now();
    log(`server restarted in ${((restart.servingAt - restart.stoppedAt) / 1000).toFixed(1)} s`);
    expect(restart.newPid).not.toBe(restart.oldPid);

    resultA = await resultOf(teamA, 'default');
    expect(resultA.partial).toBe(false);
    expect(resultA.scenarios.map((s) => [s.scenario, s.status]).sort()).toEqual([
      ['baseline', 'completed'],
      ['best-practices', 'completed'],
      ['security-tools', 'completed'],
    ]);
    await expect(fs.stat(resultA.htmlPath!)).resolves.toBeTruthy();
  });

  it('finished on the surviving worker: nothing ran on the killed one afterwards, and it collected every scenario', () => {
    const after = readCalls(callLog()).filter((c) => c.namespace === 'default' && c.at > killedAt);
    expect(new Set(after.map((c) => c.worker))).toEqual(new Set(['a2']));
    const collected = after.filter((c) => c.activity === 'collectSamples' && c.phase === 'done').map((c) => c.workflowId);
    expect(new Set(collected).size).toBe(3);
  });

  it('lost no sample: every node of every scenario has one per second of the window, and no gap', async () => {
    for (const scenario of resultA.scenarios) {
      const record = await readRecord('team-a', scenario.artifactKey);
      expect({ scenario: scenario.scenario, gaps: record.sampling?.gaps }).toEqual({ scenario: scenario.scenario, gaps: [] });
      expect(record.collect!.nodes.map((n) => [n.node, n.cpuSamples, n.memorySamples])).toEqual([
        ['node-1', WINDOW_SECONDS, WINDOW_SECONDS],
        ['node-2', WINDOW_SECONDS, WINDOW_SECONDS],
      ]);
    }
  });

  it('completed from PostgreSQL: the history spans the restart, kept by the server that came back', async () => {
    const events = (await teamA.fetchHistory()).events ?? [];
    const time = (i: number) => Number(events.at(i)!.eventTime!.seconds) * 1000;
    expect(time(0)).toBeLessThan(restart.stoppedAt);
    expect(time(-1)).toBeGreaterThan(restart.servingAt);
    expect(events.at(-1)!.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });

  it('keeps the second team apart: the same workflow id in its own namespace, run by its own worker only', async () => {
    const resultB = await resultOf(teamB, 'team-b');
    expect(resultB.scenarios.map((s) => [s.scenario, s.status])).toEqual([['baseline', 'completed']]);
    const calls = readCalls(callLog());
    expect(new Set(calls.filter((c) => c.namespace === 'team-b').map((c) => c.worker))).toEqual(new Set(['b1']));
    expect(new Set(calls.filter((c) => c.worker === 'b1').map((c) => c.namespace))).toEqual(new Set(['team-b']));
    const [a, b] = await Promise.all([teamA.describe(), teamB.describe()]);
    expect(a.runId).not.toBe(b.runId);
    const ids = async (namespace: string) => {
      const found: string[] = [];
      for await (const execution of client(namespace).workflow.list()) found.push(execution.workflowId);
      return found.sort();
    };
    expect(await ids('team-b')).toEqual([WORKFLOW_ID, `${WORKFLOW_ID}/baseline/1`]);
    expect(await ids('default')).toEqual([
      WORKFLOW_ID,
      ...['baseline', 'best-practices', 'security-tools'].map((s) => `${WORKFLOW_ID}/${s}/1`),
    ]);
    const recordB = await readRecord('team-b', resultB.scenarios[0]!.artifactKey);
    expect(recordB.collect!.nodes.map((n) => [n.node, n.cpuSamples])).toEqual([['node-1', 30]]);
  });
});
