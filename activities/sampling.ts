/**
 * Node sampling over SSH: sysstat's sadc runs detached on every node for the window, a health check
 * restarts it (recording the gap) if it died, and collection converts (sadf -j), downloads (SFTP) and
 * parses the data into the artifact store. Node-side state lives in files under ~/.hardenlab/runs/<run>/ of the SSH user,
 * so every activity here is idempotent and survives worker and Temporal restarts.
 */
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { parseSysstat } from '../src/analysis/parsers';
import { parseSystemdAnalyze } from '../src/analysis/parsers/systemdAnalyze';
import type {
  BootTimeRequest,
  BootTimeResult,
  ClusterRef,
  CollectRequest,
  CollectResult,
  SamplingHealth,
  SamplingRequest,
  SamplingStarted,
} from '../src/domain/contracts';
import type { NodeEntry } from '../src/domain/nodeMap';
import type { NodeRunRequest } from '../src/domain/activities';
import type { SamplingGap } from '../src/domain/samples';
import {
  bootIdScript,
  bootTimeScript,
  cleanupScript,
  ensureSamplerScript,
  gapsScript,
  installCommand,
  prepareCollectScript,
  probeSysstatScript,
  remotePaths,
  stopSamplerScript,
} from '../src/sampling/commands';
import { buildSeries, parseEnsureOutput, parseGaps, parseKeyValues, parseOverhead, parseProbe, type EnsureOutcome } from '../src/sampling/parse';
import type { SshConnector, SshSession } from '../src/ssh/connection';
import { loadNodeMap } from '../src/ssh/nodeMap';
import type { ArtifactStore } from '../src/store/artifactStore';
import { safeHeartbeat } from '../src/temporal/heartbeat';
import { toolPrivateDirPrefix } from '../src/tools/commands';

export interface SamplingDeps {
  ssh: SshConnector;
  store: ArtifactStore;
  now?: () => number;
  /** Waits until the Kubernetes node is Ready again after a reboot; default: no wait. */
  waitNodeReady?: (cluster: ClusterRef, node: string) => Promise<void>;
  /** How long a rebooted node may take to answer SSH again (default 15 min). */
  rebootTimeoutMs?: number;
  /** Pause between reconnect attempts while a node reboots (default 5 s). */
  pollIntervalMs?: number;
}

export type { NodeRunRequest };
export interface StopSamplingResult {
  nodes: { node: string; state: 'stopped' | 'not-running' | 'absent'; stoppedAt?: number }[];
}
export interface CleanupNodesResult {
  nodes: { node: string; state: 'removed' | 'absent'; killedPid?: number }[];
}

/** Per node: folder names in the artifact store (`<artifactKey>/nodes/<node>/`). */
export function nodeArtifactDir(node: string): string {
  return `nodes/${node.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}

export function createSamplingActivities(deps: SamplingDeps) {
  const now = deps.now ?? Date.now;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Runs fn on every node in parallel, each on its own connection; a non-retryable failure wins over a retryable one. */
  async function onEveryNode<T>(nodeMapPath: string, fn: (node: NodeEntry, session: SshSession) => Promise<T>): Promise<T[]> {
    const map = await loadNodeMap(nodeMapPath);
    const settled = await Promise.allSettled(
      map.nodes.map(async (node) => {
        const session = await deps.ssh.connect(node);
        try {
          return await fn(node, session);
        } finally {
          await session.close();
        }
      }),
    );
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
    if (failures.length > 0) {
      throw failures.find((f) => f instanceof ApplicationFailure && f.nonRetryable) ?? failures[0];
    }
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  async function ensureSysstat(session: SshSession): Promise<string> {
    let probe = parseProbe(await session.run(probeSysstatScript()));
    if (probe.sadc && probe.sadf && probe.version) return probe.version;
    if (!probe.packageManager) {
      throw ApplicationFailure.nonRetryable(
        `${session.target}: sysstat is not installed and no apt-get, dnf or yum was found to install it`,
        'SysstatUnavailable',
      );
    }
    const install = installCommand(probe.packageManager);
    await session.run(install, { privileged: true, timeoutMs: 15 * 60_000 });
    probe = parseProbe(await session.run(probeSysstatScript()));
    if (!probe.sadc || !probe.sadf || !probe.version) {
      throw ApplicationFailure.nonRetryable(`${session.target}: \`${install}\` ran but sadc/sadf are still missing`, 'SysstatUnavailable');
    }
    return probe.version;
  }

  async function ensureSampler(session: SshSession, req: SamplingRequest, mode: 'start' | 'check'): Promise<{ outcome: EnsureOutcome; gaps: SamplingGap[] }> {
    const paths = remotePaths(req.runId, session.node.name);
    const script = `(\n${ensureSamplerScript(paths, { ...req, mode })}\n)\nrc=$?\n${gapsScript(paths)}exit $rc\n`;
    const result = await session.exec(script);
    const outcome = parseEnsureOutput(result.stdout);
    if (result.code !== 0 || outcome.error) {
      const message = `sampler on ${session.target} (${paths.dir}): ${outcome.error ?? result.stderr.trim().slice(-500)} (exit ${result.code})`;
      // sadc missing after ensureSysstat means the node is not what we think: do not retry.
      if (result.code === 4) throw ApplicationFailure.nonRetryable(message, 'SamplerUnavailable');
      throw new Error(message);
    }
    return { outcome, gaps: parseGaps(parseKeyValues(result.stdout), session.node.name) };
  }

  async function startSampling(req: SamplingRequest): Promise<SamplingStarted> {
    validateSamplingRequest(req);
    const nodes = await onEveryNode(req.nodeMapPath, async (node, session) => {
      const sysstatVersion = await ensureSysstat(session);
      const { outcome } = await ensureSampler(session, req, 'start');
      if (outcome.state === 'finished') {
        throw ApplicationFailure.nonRetryable(
          `${node.name}: run ${req.runId} already has a finished sampling window on the node; use a new run id`,
          'SamplingFinished',
        );
      }
      safeHeartbeat({ node: node.name, state: outcome.state });
      return { node: node.name, pid: outcome.pid ?? 0, sysstatVersion, alreadyRunning: outcome.state === 'running', startedMs: outcome.startedMs };
    });
    const startedAt = Math.min(...nodes.map((n) => n.startedMs ?? now()));
    return { nodes: nodes.map(({ startedMs: _startedMs, ...rest }) => rest), startedAt };
  }

  /** Interval and window end come from the run's file on the node, so the check needs only the run and the map. */
  async function checkSampling(req: NodeRunRequest): Promise<SamplingHealth> {
    const results = await onEveryNode(req.nodeMapPath, async (node, session) => {
      const { outcome, gaps } = await ensureSampler(session, { runId: req.runId, nodeMapPath: req.nodeMapPath, intervalSeconds: 1, durationSeconds: 1 }, 'check');
      if (outcome.state === 'absent') {
        throw ApplicationFailure.nonRetryable(`${node.name}: no sampling run ${req.runId} on the node (startSampling first)`, 'SamplingNotStarted');
      }
      const alive = outcome.state === 'running' || outcome.state === 'restarted' || outcome.state === 'started';
      return { node: { node: node.name, alive, restarted: outcome.state === 'restarted' }, gaps };
    });
    return { nodes: results.map((r) => r.node), gaps: results.flatMap((r) => r.gaps) };
  }

  async function stopSampling(req: NodeRunRequest): Promise<StopSamplingResult> {
    const nodes = await onEveryNode(req.nodeMapPath, async (node, session) => {
      const kv = parseKeyValues(await session.run(stopSamplerScript(remotePaths(req.runId, node.name))));
      const state = (kv.get('state') ?? 'absent') as StopSamplingResult['nodes'][number]['state'];
      const stopped = Number(kv.get('stopped_ms'));
      return { node: node.name, state, ...(Number.isFinite(stopped) && stopped > 0 ? { stoppedAt: stopped } : {}) };
    });
    return { nodes };
  }

  async function collectSamples(req: CollectRequest): Promise<CollectResult> {
    const perNode = await onEveryNode(req.nodeMapPath, async (node, session) => {
      const paths = remotePaths(req.runId, node.name);
      const prepared = await session.exec(prepareCollectScript(paths), { timeoutMs: 30 * 60_000 });
      const kv = parseKeyValues(prepared.stdout);
      if (prepared.code !== 0) {
        const message = `collect on ${session.target}: ${kv.get('error') ?? prepared.stderr.trim().slice(-500)}`;
        if (prepared.code === 4) throw ApplicationFailure.nonRetryable(message, 'SamplesMissing');
        throw new Error(message);
      }
      const dirKey = nodeArtifactDir(node.name);
      await deps.store.ensureDir(req.artifactKey, dirKey);
      const progress = (file: string) => (bytes: number) => safeHeartbeat({ node: node.name, file, bytes });
      const rawLocal = deps.store.resolve(req.artifactKey, dirKey, 'data.sa');
      const jsonLocal = deps.store.resolve(req.artifactKey, dirKey, 'sadf.json');
      await session.download(paths.data, rawLocal, progress('data.sa'));
      await session.download(paths.sadfJson, jsonLocal, progress('sadf.json'));

      const parsed = parseSysstat(await fs.readFile(jsonLocal, 'utf8'), { file: jsonLocal });
      const series = buildSeries(node.name, parsed.cpu, parsed.memory);
      const gaps = parseGaps(kv, node.name);
      const overhead = parseOverhead(kv);
      await deps.store.writeJson(req.artifactKey, `${dirKey}/series.json`, series);
      await deps.store.writeJson(req.artifactKey, `${dirKey}/sampling.json`, {
        node: node.name,
        sysstatVersion: kv.get('version'),
        stillRunning: kv.get('running') === '1',
        restarts: parsed.restarts,
        gaps,
        samplerOverhead: overhead,
      });
      safeHeartbeat({ node: node.name, samples: series.cpu.length });
      return {
        node: { node: node.name, cpuSamples: series.cpu.length, memorySamples: series.memory.length, rawFile: `${req.artifactKey}/${dirKey}/data.sa` },
        overhead: { node: node.name, ...overhead },
      };
    });
    return { nodes: perNode.map((n) => n.node), samplerOverhead: perNode.map((n) => n.overhead) };
  }

  async function cleanupNodes(req: NodeRunRequest): Promise<CleanupNodesResult> {
    const nodes = await onEveryNode(req.nodeMapPath, async (node, session) => {
      const kv = parseKeyValues(await session.run(cleanupScript(remotePaths(req.runId, node.name), toolPrivateDirPrefix(req.runId))));
      const killed = Number(kv.get('killed'));
      return { node: node.name, state: kv.get('state') === 'removed' ? ('removed' as const) : ('absent' as const), ...(killed > 0 ? { killedPid: killed } : {}) };
    });
    return { nodes };
  }

  async function readBootTime(session: SshSession): Promise<{ totalSeconds: number | null; phases?: Record<string, number>; unavailableReason?: string; notFinished?: boolean }> {
    const kv = parseKeyValues(await session.run(bootTimeScript()));
    const unavailable = kv.get('unavailable');
    if (unavailable) return { totalSeconds: null, unavailableReason: unavailable };
    const text = kv.all('out').join('\n');
    try {
      const parsed = parseSystemdAnalyze(text, `systemd-analyze on ${session.target}`);
      if (parsed.status === 'finished') return { totalSeconds: parsed.totalSeconds, phases: parsed.phases };
      if (parsed.status === 'not-finished') return { totalSeconds: null, unavailableReason: parsed.message, notFinished: true };
      return { totalSeconds: null, unavailableReason: parsed.reason };
    } catch (error) {
      return { totalSeconds: null, unavailableReason: `cannot read systemd-analyze output: ${(error as Error).message}` };
    }
  }

  /** Reboots the node, waits for SSH (a new boot id) and the Kubernetes node Ready; returns the fresh session and seconds to Ready. */
  async function rebootAndWait(node: NodeEntry, session: SshSession, cluster: ClusterRef | undefined): Promise<{ session: SshSession; timeToReadySeconds: number }> {
    if (isLoopback(node.host)) {
      throw ApplicationFailure.nonRetryable(
        `refusing to reboot ${node.name}: its host ${node.host} is a loopback address, i.e. the worker's own machine`,
        'RebootRefused',
      );
    }
    const bootIdBefore = (await session.run(bootIdScript())).trim();
    const rebootAt = now();
    await session.run("nohup sh -c 'sleep 1; systemctl reboot || reboot' >/dev/null 2>&1 &", { privileged: true });
    await session.close();
    const deadline = rebootAt + (deps.rebootTimeoutMs ?? 15 * 60_000);
    for (;;) {
      await sleep(deps.pollIntervalMs ?? 5_000);
      safeHeartbeat({ node: node.name, waiting: 'ssh after reboot' });
      try {
        const fresh = await deps.ssh.connect(node);
        const bootId = (await fresh.run(bootIdScript()).catch(() => bootIdBefore)).trim();
        if (bootId !== bootIdBefore) {
          if (cluster && deps.waitNodeReady) await deps.waitNodeReady(cluster, node.name);
          return { session: fresh, timeToReadySeconds: (now() - rebootAt) / 1000 };
        }
        await fresh.close();
      } catch (error) {
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
      }
      if (now() > deadline) throw new Error(`${node.name} did not come back over SSH within ${(deadline - rebootAt) / 1000} s after reboot`);
    }
  }

  async function measureBootTime(req: BootTimeRequest): Promise<BootTimeResult> {
    const nodes = await onEveryNode(req.nodeMapPath, async (node, first) => {
      let session = first;
      let timeToReadySeconds: number | undefined;
      if (req.reboot) {
        const rebooted = await rebootAndWait(node, session, req.cluster);
        session = rebooted.session;
        timeToReadySeconds = rebooted.timeToReadySeconds;
      }
      try {
        let boot = await readBootTime(session);
        // right after a reboot units may still be starting: wait (bounded) for "Startup finished"
        for (let i = 0; req.reboot && boot.notFinished && i < 60; i++) {
          await sleep(deps.pollIntervalMs ?? 5_000);
          safeHeartbeat({ node: node.name, waiting: 'bootup to finish' });
          boot = await readBootTime(session);
        }
        const { notFinished: _notFinished, ...result } = boot;
        return { node: node.name, ...result, ...(timeToReadySeconds !== undefined ? { timeToReadySeconds } : {}) };
      } finally {
        if (session !== first) await session.close();
      }
    });
    return { nodes };
  }

  return { startSampling, checkSampling, stopSampling, collectSamples, measureBootTime, cleanupNodes };
}

function validateSamplingRequest(req: SamplingRequest): void {
  if (!Number.isFinite(req.intervalSeconds) || req.intervalSeconds < 1) {
    throw ApplicationFailure.nonRetryable(`intervalSeconds must be at least 1 (sadc counts whole seconds), got ${req.intervalSeconds}`, 'InvalidSamplingRequest');
  }
  if (!Number.isFinite(req.durationSeconds) || req.durationSeconds < req.intervalSeconds) {
    throw ApplicationFailure.nonRetryable(`durationSeconds must be at least intervalSeconds, got ${req.durationSeconds}`, 'InvalidSamplingRequest');
  }
  if (!/^[A-Za-z0-9._-]+$/.test(req.runId)) {
    throw ApplicationFailure.nonRetryable(`runId ${JSON.stringify(req.runId)} may hold only letters, digits, '.', '_' and '-'`, 'InvalidSamplingRequest');
  }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export type SamplingActivities = ReturnType<typeof createSamplingActivities>;
