/**
 * One real-node bed per real-node lane (issue 26, the suite's time). Each file of the lane asks for it; the first
 * starts it and the next reuse it (testbedUp reuses a running bed), and the lane's globalTeardown
 * (realLaneTeardown.ts) stops it once and checks that nothing is left. A bed start took 80–90 s beside the other
 * lanes, and each lane's three files started three.
 *
 * Jest runs a lane's files in band, in one process with a module registry per file: the beds started live on
 * globalThis, as the shared KWOK lane's flag does (test/support/testbed.ts).
 */
import * as path from 'node:path';
import { testbedUp, type TestbedInstance, type TestbedUpResult } from '../../src/testbed';
import { laneHome, waitForFreeInstance } from './lane';

export type RealLane = 'realnodes' | 'nodeaccess';

export interface LaneBed {
  up: TestbedUpResult;
  /** The bed's data folder: the lane's, shared by its files (a local-provider worker finds the bed there). */
  home: string;
  instance: TestbedInstance;
}

const BEDS_KEY = '__hardenlabRealLaneBeds';
type BedHolder = { [BEDS_KEY]?: Record<string, { home: string; instance: TestbedInstance }> };

/** The beds this process started, by cluster name: what the lane's globalTeardown stops. */
export function startedLaneBeds(): { home: string; instance: TestbedInstance }[] {
  return Object.values((globalThis as BedHolder)[BEDS_KEY] ?? {});
}

/** The lane's bed's data folder, where its files may also keep what they write (the teardown removes it). */
export function laneBedHome(lane: RealLane): string {
  return path.join(laneHome(lane), 'real-bed');
}

/** The lane's bed: started on first use (after waiting, bounded, for another checkout's to end), then reused. */
export async function laneRealBed(lane: RealLane, instance: TestbedInstance, log: (line: string) => void): Promise<LaneBed> {
  const home = laneBedHome(lane);
  const beds = ((globalThis as BedHolder)[BEDS_KEY] ??= {});
  const ours = beds[instance.clusterName];
  if (ours && ours.home !== home) throw new Error(`bed ${instance.clusterName} already runs from ${ours.home}, not ${home}`);
  if (!ours) {
    // Another checkout's real-node test holds the same ports, addresses and namespace: wait for it, bounded.
    await waitForFreeInstance(instance, { log, paths: [`/run/netns/hardenlab-${instance.clusterName}`], waitMs: 8 * 60_000 });
    beds[instance.clusterName] = { home, instance };
  }
  const started = Date.now();
  const up = await testbedUp({ env: process.env, home, instance, nodes: 'real', log, readyTimeoutMs: 300_000 });
  log(`testbed up --nodes real (${ours ? 'the lane’s bed, reused' : 'started for the lane'}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { up, home, instance };
}
