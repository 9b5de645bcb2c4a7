/**
 * One real-node bed per real-node lane (issue 26, the suite's time). Each file of the lane asks for it; the first
 * starts it and the next reuse it (testbedUp reuses a running bed), and the lane's globalTeardown
 * (realLaneTeardown.ts) stops it once and checks that nothing is left. A bed start took 80–90 s beside the other
 * lanes, and each lane's three files started three.
 *
 * Jest gives each file a global object of its own, so the bed's owner is a file in the bed's folder: the jest
 * process that started it (the lanes run in band, files and teardown in that one process).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadKubeClient } from '../../src/kube/client';
import { resetRun } from '../../src/kube/reset';
import { isAlive } from '../../src/process/subprocess';
import { testbedUp, type TestbedInstance, type TestbedUpResult } from '../../src/testbed';
import { laneHome, waitForFreeInstance } from './lane';

export const REAL_LANES = ['realnodes', 'nodeaccess'] as const;
export type RealLane = (typeof REAL_LANES)[number];

export interface LaneBed {
  up: TestbedUpResult;
  /** The bed's data folder: the lane's, shared by its files (a local-provider worker finds the bed there). */
  home: string;
  instance: TestbedInstance;
}

interface Owner {
  pid: number;
  instance: TestbedInstance;
}

/** The lane's bed's data folder, where its files may also keep what they write (the teardown removes it). */
export function laneBedHome(lane: RealLane): string {
  return path.join(laneHome(lane), 'real-bed');
}

const ownerFile = (home: string) => path.join(home, 'lane-owner.json');

function readOwner(home: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(ownerFile(home), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** The lane's bed if this process owns it, or if its owner died (a killed run): what the teardown stops. */
export function ownedLaneBed(lane: RealLane): { home: string; instance: TestbedInstance } | undefined {
  const home = laneBedHome(lane);
  const owner = readOwner(home);
  return owner && (owner.pid === process.pid || !isAlive(owner.pid)) ? { home, instance: owner.instance } : undefined;
}

/** The lane's bed: started on first use (after waiting, bounded, for another run's to end), then reused. */
export async function laneRealBed(lane: RealLane, instance: TestbedInstance, log: (line: string) => void): Promise<LaneBed> {
  const home = laneBedHome(lane);
  const owner = readOwner(home);
  const reused = owner?.pid === process.pid;
  if (owner && owner.instance.clusterName !== instance.clusterName)
    throw new Error(`lane ${lane}'s bed is ${owner.instance.clusterName}, not ${instance.clusterName}`);
  if (!ownedLaneBed(lane)) {
    // Another run (another checkout's, or this one's lane run twice at once) holds the same ports, addresses and
    // namespace: wait for it, bounded.
    await waitForFreeInstance(instance, { log, paths: [`/run/netns/hardenlab-${instance.clusterName}`], waitMs: 8 * 60_000 });
  }
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(ownerFile(home), JSON.stringify({ pid: process.pid, instance } satisfies Owner));
  const started = Date.now();
  const up = await testbedUp({ env: process.env, home, instance, nodes: 'real', log, readyTimeoutMs: 300_000 });
  log(`testbed up --nodes real (${reused ? 'the lane’s bed, reused' : 'for the lane'}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { up, home, instance };
}

/**
 * Resets the file's runs when it ends, whatever failed (call inside its describe): a test that fails before its own
 * reset leaves nothing for the next file on the lane's bed. The bed is brought up again first (testbedUp restarts
 * what a failed fault test left stopped), so the resets reach it.
 */
export function resetRunsAtFileEnd(
  lane: RealLane,
  instance: TestbedInstance,
  runIds: readonly string[],
  log: (line: string) => void,
): void {
  afterAll(async () => {
    if (!ownedLaneBed(lane)) return;
    const { up } = await laneRealBed(lane, instance, log);
    const kube = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    for (const runId of runIds) {
      const reset = await resetRun(kube, { runId }, { now: Date.now, timeoutMs: 180_000, pollIntervalMs: 1_000, log });
      if (reset.leftovers.length > 0) log(`${runId}: left after the file's reset: ${JSON.stringify(reset.leftovers)}`);
    }
  });
}
