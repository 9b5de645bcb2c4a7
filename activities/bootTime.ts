/**
 * Boot time per node (systemd-analyze), optionally after a reboot. Reboots go node by node, timing the SSH
 * return (a new boot id) and the Kubernetes node's Ready apart.
 */
import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { parseSystemdAnalyze } from '../src/analysis/parsers/systemdAnalyze';
import type { NodeEntry } from '../src/config/nodeMap';
import type { NodeRunRequest } from '../src/domain/activities';
import type { BootTimeRequest, BootTimeResult, ClusterRef } from '../src/domain/contracts';
import { bootIdScript, bootTimeScript } from '../src/sampling/samplingScripts';
import { parseKeyValues } from '../src/sampling/parse';
import type { SshSession } from '../src/ssh/connection';
import { heartbeatWhile, safeHeartbeat } from '../src/temporal/heartbeat';
import type { SamplingDeps } from './sampling';

export interface BootTimeDeps extends SamplingDeps {
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
  onEveryNode: <T>(req: NodeRunRequest, fn: (node: NodeEntry, session: SshSession) => Promise<T>) => Promise<T[]>;
}

export function createBootTimeActivity(deps: BootTimeDeps) {
  const { now, sleep, onEveryNode } = deps;

  async function readBootTime(
    session: SshSession,
  ): Promise<{ totalSeconds: number | null; phases?: Record<string, number>; unavailableReason?: string; notFinished?: boolean }> {
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

  /** Reboots the node, waits for SSH (a new boot id), then for the Kubernetes node Ready; returns the fresh session and both times. */
  async function rebootAndWait(
    node: NodeEntry,
    session: SshSession,
    cluster: ClusterRef | undefined,
    runId: string,
  ): Promise<{ session: SshSession; sshReturnSeconds: number; timeToReadySeconds: number }> {
    if (isLoopback(node.host) && !node.systemContainer) {
      throw ApplicationFailure.nonRetryable(
        `refusing to reboot ${node.name}: its host ${node.host} is a loopback address, i.e. the worker's own machine (unless the node ` +
          `map marks it systemContainer)`,
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
        const fresh = await deps.ssh.connect(node, { runId });
        const bootId = (await fresh.run(bootIdScript()).catch(() => bootIdBefore)).trim();
        if (bootId !== bootIdBefore) {
          const sshReturnSeconds = (now() - rebootAt) / 1000;
          if (cluster && deps.waitNodeReady)
            await heartbeatWhile(deps.waitNodeReady(cluster, node.name, rebootAt), { node: node.name, waiting: 'node Ready' });
          return { session: fresh, sshReturnSeconds, timeToReadySeconds: (now() - rebootAt) / 1000 };
        }
        await fresh.close();
      } catch (error) {
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
      }
      if (now() > deadline)
        throw new Error(`${node.name} did not come back over SSH within ${(deadline - rebootAt) / 1000} s after reboot`);
    }
  }

  async function measureBootTime(req: BootTimeRequest): Promise<BootTimeResult> {
    const measure = async (node: NodeEntry, first: SshSession) => {
      let session = first;
      let rebooted: { sshReturnSeconds: number; timeToReadySeconds: number } | undefined;
      if (req.reboot) {
        const back = await rebootAndWait(node, session, req.cluster, req.runId);
        session = back.session;
        rebooted = { sshReturnSeconds: back.sshReturnSeconds, timeToReadySeconds: back.timeToReadySeconds };
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
        return { node: node.name, ...result, ...(rebooted ?? {}) };
      } finally {
        if (session !== first) await session.close();
      }
    };
    if (!req.reboot) return { nodes: await onEveryNode(req, measure) };
    // Reboots go node by node: the other nodes keep the cluster schedulable, and one node that does not
    // come back stops the reboots before they take down the rest.
    const nodes: BootTimeResult['nodes'] = [];
    for (const node of (await deps.loadNodeMap(req.nodeMapPath)).nodes) {
      const session = await deps.ssh.connect(node, { runId: req.runId });
      try {
        nodes.push(await measure(node, session));
      } finally {
        await session.close();
      }
    }
    return { nodes };
  }

  return { measureBootTime };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

