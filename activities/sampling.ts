/**
 * Node sampling over the node transport (SSH or the access pod): sysstat's sadc runs detached on every node for the window, a
 * health check restarts it (recording the gap) if it died, and collection converts (sadf -j), downloads and parses the data into
 * the artifact store. Node-side state lives under ~/.hardenlab/runs/<run>/, so every activity here is idempotent.
 */
import { promises as fs } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { parseSysstat } from '../src/analysis/parsers';
import type { ClusterRef, CollectRequest, CollectResult, SamplingHealth, SamplingRequest, SamplingStarted } from '../src/domain/contracts';
import type { NodeEntry, NodeMap } from '../src/config/nodeMap';
import type { NodeRunRequest } from '../src/domain/activities';
import type { SamplingGap } from '../src/domain/samples';
import {
  cleanupScript,
  ensureSamplerScript,
  gapsScript,
  nodeIdentityScript,
  prepareCollectScript,
  remotePaths,
  stopSamplerScript,
} from '../src/sampling/samplingScripts';
import {
  buildSeries,
  parseEnsureOutput,
  parseGaps,
  parseKeyValues,
  parseNodeIdentity,
  parseOverhead,
  transportFigures,
  type EnsureOutcome,
} from '../src/sampling/parse';
import type { SshConnector, SshSession } from '../src/ssh/connection';
import type { ArtifactStore } from '../src/store/artifactStore';
import { heartbeatWhile, safeHeartbeat } from '../src/temporal/heartbeat';
import { toolPrivateDirPrefix } from '../src/tools/toolCommands';
import { validateSamplingRequest } from '../src/sampling/request';
import { CGROUP_CPU_FILE, parseCgroupCpu, type CgroupCpuSeries } from '../src/sampling/cgroupCpu';
import { NodeAccessFailure } from '../src/nodeaccess/connector';
import { createBootTimeActivity } from './bootTime';
import { ensureSysstat, kitSums } from './sysstat';

export { SYSSTAT_INSTALL_TIMEOUT_MS } from './sysstat';
/** `sadf -j` of a day at one-second samples (measured figures: docs/operating.md); collect's budget covers it. */
export const SADF_TIMEOUT_MS = 30 * 60_000;

export interface SamplingDeps {
  ssh: SshConnector;
  store: ArtifactStore;
  /** Reads a node map (the worker's src/ssh/nodeMap loader). */
  loadNodeMap: (file: string) => Promise<NodeMap>;
  now?: () => number;
  /** Resolves when the node's kubelet reports Ready after `since` (epoch ms of the reboot); default: no wait. */
  waitNodeReady?: (cluster: ClusterRef, node: string, since: number) => Promise<void>;
  /** How long a rebooted node may take to answer SSH again (default 15 min). */
  rebootTimeoutMs?: number;
  /** Pause between reconnect attempts while a node reboots (default 5 s). */
  pollIntervalMs?: number;
}

export type { NodeRunRequest };
/** `refused`: the node would not take an access pod (tainted, cordoned), so this run never started anything there. */
export interface StopSamplingResult {
  nodes: { node: string; state: 'stopped' | 'not-running' | 'absent'; stoppedAt?: number; refused?: string }[];
}
export interface CleanupNodesResult {
  nodes: { node: string; state: 'removed' | 'absent'; killedPid?: number; refused?: string }[];
}

/** Per node: folder names in the artifact store (`<artifactKey>/nodes/<node>/`). */
export function nodeArtifactDir(node: string): string {
  return `nodes/${node.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}

/** The node's cgroup CPU readings (where its /proc/stat was not its own), downloaded beside sadf.json and read. */
async function collectCgroupCpu(
  session: SshSession,
  remote: string | undefined,
  local: string,
  progress: (bytes: number) => void,
): Promise<CgroupCpuSeries | undefined> {
  if (!remote) return undefined;
  await session.download(remote, local, progress);
  return parseCgroupCpu(await fs.readFile(local, 'utf8'), local);
}

export function createSamplingActivities(deps: SamplingDeps) {
  const now = deps.now ?? Date.now;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * Runs fn on every node in parallel, each on its own connection. A failure on any node fails the call, unless `unreachable` turns a
   * node's retryable failure (SSH down) into a result, or `refused` a node that refuses the access pod (the clean-up steps: the
   * run's own failure names the node already); any other non-retryable failure always fails it.
   */
  async function onEveryNode<T>(
    { nodeMapPath, runId }: NodeRunRequest,
    fn: (node: NodeEntry, session: SshSession) => Promise<T>,
    unreachable?: (node: NodeEntry, err: Error) => T,
    refused?: (node: NodeEntry, reason: string) => T,
  ): Promise<T[]> {
    const map = await deps.loadNodeMap(nodeMapPath);
    const settled = await Promise.allSettled(
      map.nodes.map(async (node) => {
        try {
          const session = await deps.ssh.connect(node, { runId });
          try {
            return await fn(node, session);
          } finally {
            await session.close();
          }
        } catch (err) {
          if (refused && err instanceof ApplicationFailure && err.type === NodeAccessFailure.Refused) return refused(node, err.message);
          if (!unreachable || (err instanceof ApplicationFailure && err.nonRetryable)) throw err;
          return unreachable(node, err as Error);
        }
      }),
    );
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
    if (failures.length > 0) {
      throw failures.find((f) => f instanceof ApplicationFailure && f.nonRetryable) ?? failures[0];
    }
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  async function ensureSampler(
    session: SshSession,
    req: SamplingRequest,
    mode: 'start' | 'check',
  ): Promise<{ outcome: EnsureOutcome; gaps: SamplingGap[] }> {
    const paths = remotePaths(req.runId, session.node.name);
    const options = { ...req, mode, detach: session.detach, kit: await kitSums(session) };
    const script = `(\n${ensureSamplerScript(paths, options)}\n)\nrc=$?\n${gapsScript(paths)}exit $rc\n`;
    const result = await session.exec(script);
    const outcome = parseEnsureOutput(result.stdout);
    if (result.code !== 0 || outcome.error) {
      const detail = outcome.error ?? result.stderr.trim().slice(-500);
      const message = `sampler on ${session.target} (${paths.dir}): ${detail} (exit ${result.code})`;
      // sadc missing after ensureSysstat means the node is not what we think: do not retry.
      if (result.code === 4) throw ApplicationFailure.nonRetryable(message, 'SamplerUnavailable');
      throw new Error(message);
    }
    return { outcome, gaps: parseGaps(parseKeyValues(result.stdout), session.node.name) };
  }

  async function startSampling(req: SamplingRequest): Promise<SamplingStarted> {
    validateSamplingRequest(req);
    const nodes = await onEveryNode(req, async (node, session) => {
      const sysstat = await ensureSysstat(session);
      const { outcome } = await ensureSampler(session, req, 'start');
      if (outcome.state === 'finished') {
        throw ApplicationFailure.nonRetryable(
          `${node.name}: run ${req.runId} already has a finished sampling window on the node; use a new run id`,
          'SamplingFinished',
        );
      }
      safeHeartbeat({ node: node.name, state: outcome.state });
      return {
        node: node.name,
        pid: outcome.pid ?? 0,
        sysstatVersion: sysstat.version,
        ...(sysstat.from === 'uploaded' ? { sysstatFrom: sysstat.from } : {}),
        alreadyRunning: outcome.state === 'running',
        startedMs: outcome.startedMs,
      };
    });
    const startedAt = Math.min(...nodes.map((n) => n.startedMs ?? now()));
    return { nodes: nodes.map(({ startedMs: _startedMs, ...rest }) => rest), startedAt };
  }

  /**
   * Interval and window end come from the run's file on the node, so the check needs only the run and the map.
   * A node that cannot be reached is reported (`error`), not thrown: the workflow records a gap and goes on.
   */
  async function checkSampling(req: NodeRunRequest): Promise<SamplingHealth> {
    const unreachable = (node: NodeEntry, err: Error) => ({
      node: { node: node.name, alive: false, restarted: false, error: err.message },
      gaps: [],
    });
    const results = await onEveryNode(
      req,
      async (node, session) => {
        const { outcome, gaps } = await ensureSampler(
          session,
          { runId: req.runId, nodeMapPath: req.nodeMapPath, intervalSeconds: 1, durationSeconds: 1 },
          'check',
        );
        if (outcome.state === 'absent') {
          throw ApplicationFailure.nonRetryable(
            `${node.name}: no sampling run ${req.runId} on the node (startSampling first)`,
            'SamplingNotStarted',
          );
        }
        const alive = outcome.state === 'running' || outcome.state === 'restarted' || outcome.state === 'started';
        return { node: { node: node.name, alive, restarted: outcome.state === 'restarted' } as SamplingHealth['nodes'][number], gaps };
      },
      unreachable,
    );
    return { nodes: results.map((r) => r.node), gaps: results.flatMap((r) => r.gaps) };
  }

  const refusedNode = (node: NodeEntry, reason: string) => ({ node: node.name, state: 'absent' as const, refused: reason });

  async function stopSampling(req: NodeRunRequest): Promise<StopSamplingResult> {
    const nodes = await onEveryNode<StopSamplingResult['nodes'][number]>(
      req,
      async (node, session) => {
        const kv = parseKeyValues(await session.run(stopSamplerScript(remotePaths(req.runId, node.name))));
        const state = (kv.get('state') ?? 'absent') as StopSamplingResult['nodes'][number]['state'];
        const stopped = Number(kv.get('stopped_ms'));
        return { node: node.name, state, ...(Number.isFinite(stopped) && stopped > 0 ? { stoppedAt: stopped } : {}) };
      },
      undefined,
      refusedNode,
    );
    return { nodes };
  }

  async function collectSamples(req: CollectRequest): Promise<CollectResult> {
    const perNode = await onEveryNode(req, async (node, session) => {
      const paths = remotePaths(req.runId, node.name);
      const script = prepareCollectScript(paths, await kitSums(session));
      const prepared = await heartbeatWhile(session.exec(script, { timeoutMs: SADF_TIMEOUT_MS }), {
        node: node.name,
        converting: 'sadf -j',
      });
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
      const identity = parseNodeIdentity(await session.run(nodeIdentityScript()), node.name);
      const cgroupRemote = kv.get('cgroup_cpu') === '1' ? `${paths.dir}/${CGROUP_CPU_FILE}` : undefined;
      const cgroupLocal = deps.store.resolve(req.artifactKey, dirKey, CGROUP_CPU_FILE);
      const cgroupCpu = await collectCgroupCpu(session, cgroupRemote, cgroupLocal, progress(CGROUP_CPU_FILE));
      const series = buildSeries(node.name, parsed.cpu, parsed.memory, cgroupCpu?.samples);
      const gaps = parseGaps(kv, node.name);
      const transport = session.transportCost ? await session.transportCost() : undefined;
      const uploaded = kv.get('sysstat_from') === 'uploaded' ? { sysstatUploaded: true } : {};
      const overhead = { ...parseOverhead(kv), ...transportFigures(transport), ...uploaded };
      await deps.store.writeJson(req.artifactKey, `${dirKey}/series.json`, series);
      await deps.store.writeJson(req.artifactKey, `${dirKey}/sampling.json`, {
        node: node.name,
        sysstatVersion: kv.get('version'),
        stillRunning: kv.get('running') === '1',
        restarts: parsed.restarts,
        gaps,
        samplerOverhead: overhead,
        identity,
        ...(cgroupCpu ? { cgroupCpu: { limits: cgroupCpu.limits, resets: cgroupCpu.resets } } : {}),
      });
      safeHeartbeat({ node: node.name, samples: series.cpu.length });
      return {
        node: {
          node: node.name,
          cpuSamples: series.cpu.length,
          memorySamples: series.memory.length,
          rawFile: `${req.artifactKey}/${dirKey}/data.sa`,
        },
        overhead: { node: node.name, ...overhead },
      };
    });
    return { nodes: perNode.map((n) => n.node), samplerOverhead: perNode.map((n) => n.overhead) };
  }

  async function cleanupNodes(req: NodeRunRequest): Promise<CleanupNodesResult> {
    const nodes = await onEveryNode<CleanupNodesResult['nodes'][number]>(
      req,
      async (node, session) => {
        const kv = parseKeyValues(await session.run(cleanupScript(remotePaths(req.runId, node.name), toolPrivateDirPrefix(req.runId))));
        const killed = Number(kv.get('killed'));
        return {
          node: node.name,
          state: kv.get('state') === 'removed' ? ('removed' as const) : ('absent' as const),
          ...(killed > 0 ? { killedPid: killed } : {}),
        };
      },
      undefined,
      refusedNode,
    );
    return { nodes };
  }

  const { measureBootTime } = createBootTimeActivity({ ...deps, now, sleep, onEveryNode });

  return { startSampling, checkSampling, stopSampling, collectSamples, measureBootTime, cleanupNodes };
}

export type SamplingActivities = ReturnType<typeof createSamplingActivities>;
