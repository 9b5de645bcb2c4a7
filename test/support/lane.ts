/**
 * The shared KWOK lane's own test bed: its own data folder (never the user's), and one of a few instance slots,
 * each with its own ports and loopback addresses (never the defaults a user's `testbed up` or demo takes). Two
 * checkouts running the lane at once take different slots; with every slot busy the lane waits, bounded, saying
 * for what.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, repoRoot } from '../../src/config/paths';
import { testbedStatus, testbedUp, withTestbedLock, type TestbedInstance, type TestbedUpResult } from '../../src/testbed';
import { recordedTestbedInstance } from '../../src/testbed/instanceRecord';
import { STANDARD_PORTS } from '../../src/testbed/layout';
import { isAlive, readPidFile, tcpOpen } from '../../src/process/subprocess';

export const LANE_SLOTS = 4;

/** The data folder of a jest lane of this checkout (test/runner/run-tests.js gives each lane its own). */
export function laneHome(lane: string): string {
  return path.join(repoRoot, '.hardenlab', 'lanes', lane);
}

/**
 * Slot `slot`'s instance: ports below Linux's ephemeral range (32768+, where a client socket could take them),
 * clear of every other test bed's and the team server's; addresses in 127.0.(20+slot).0/24, which nothing else uses.
 */
export function laneInstance(slot: number): TestbedInstance {
  if (!Number.isInteger(slot) || slot < 0 || slot >= LANE_SLOTS) throw new Error(`lane slot ${slot} is not in 0..${LANE_SLOTS - 1}`);
  const net = `127.0.${20 + slot}`;
  return {
    clusterName: `hardenlab-lane-${slot}`,
    ports: {
      kubeApiserver: 24443 + slot,
      etcd: 24379 + 2 * slot,
      etcdPeer: 24380 + 2 * slot,
      kubeControllerManager: 24250 + slot,
      kubeScheduler: 24260 + slot,
      kwokController: 24270 + slot,
      ssh: STANDARD_PORTS.ssh,
    },
    nodes: [1, 2, 3].map((i) => ({ name: `sim-node-${i}`, address: `${net}.${10 + i}` })),
    apiAddress: `${net}.1`,
  };
}

/**
 * Loopback addresses in the lane slot's own /24 for a file's throwaway sshds (`.21` up): two checkouts running the
 * lane at once take different slots, so their sshds never meet on one address (fixed 127.0.0.2x ones did).
 */
export function ownAddresses(instance: TestbedInstance, first: number, count: number): string[] {
  const net = instance.nodes[0]!.address.split('.').slice(0, 3).join('.');
  return Array.from({ length: count }, (_, i) => `${net}.${first + i}`);
}

/** Every address:port a slot's test bed listens on. */
export function slotEndpoints(instance: TestbedInstance): string[] {
  const own = ['kubeApiserver', 'etcd', 'etcdPeer', 'kubeControllerManager', 'kubeScheduler', 'kwokController'] as const;
  return [
    ...own.map((key) => `127.0.0.1:${instance.ports[key]}`),
    ...(instance.apiAddress
      ? [`${instance.apiAddress}:${STANDARD_PORTS.kubeApiserver}`, `${instance.apiAddress}:${STANDARD_PORTS.etcd}`]
      : []),
    ...instance.nodes.map((node) => `${node.address}:${instance.ports.ssh}`),
  ];
}

/** The endpoints of the slot that something already listens on. */
export async function busyEndpoints(instance: TestbedInstance): Promise<string[]> {
  const endpoints = slotEndpoints(instance);
  const open = await Promise.all(
    endpoints.map((endpoint) =>
      tcpOpen(endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)), 500),
    ),
  );
  return endpoints.filter((_, i) => open[i]);
}

export interface LaneOptions {
  home: string;
  log: (line: string) => void;
  /** How long to wait for a free slot when every one is busy (default 20 minutes). */
  waitMs?: number;
  pollMs?: number;
}

/**
 * Starts the lane's test bed in `home`, or reuses the one running there (another jest run of this checkout).
 * Choosing a slot and starting on it happen under a machine-wide lock, so two checkouts never pick the same one.
 */
export async function startLaneTestbed(options: LaneOptions): Promise<TestbedUpResult> {
  const { home, log } = options;
  const recorded = recordedTestbedInstance(home);
  if (recorded) {
    // Any of its processes running: it is this lane's (maybe slow, maybe in another jest run's use), never replaced.
    const status = await testbedStatus({ env: process.env, home, instance: recorded });
    if (status.components.some((c) => c.running) || status.nodeHosts.some((n) => n.running))
      return testbedUp({ env: process.env, home, instance: recorded, log });
  }
  const waitMs = options.waitMs ?? 20 * 60_000;
  const locks = path.join(cacheDir(), 'lane-slots');
  const holder = readPidFile(path.join(locks, '.sim.lock'));
  if (holder !== undefined && isAlive(holder))
    log(`test lane: waiting for pid ${holder} (another checkout's lane) to finish choosing and starting its slot`);
  return withTestbedLock(
    locks,
    async () => {
      const deadline = Date.now() + waitMs;
      let lastSaid = 0;
      for (;;) {
        const busy: string[] = [];
        for (let slot = 0; slot < LANE_SLOTS; slot++) {
          const instance = laneInstance(slot);
          const taken = await busyEndpoints(instance);
          if (taken.length === 0) {
            log(
              `test lane: slot ${slot} (API ${instance.apiAddress}:${STANDARD_PORTS.kubeApiserver} and ` +
                `127.0.0.1:${instance.ports.kubeApiserver}, nodes ${instance.nodes.map((n) => n.address).join(', ')})`,
            );
            return testbedUp({ env: process.env, home, instance, log });
          }
          busy.push(`slot ${slot}: ${taken.join(', ')} in use`);
        }
        if (Date.now() > deadline) throw new Error(`no free test-lane slot after ${Math.round(waitMs / 60_000)} min (${busy.join('; ')})`);
        if (Date.now() - lastSaid > 60_000) {
          log(
            `test lane: every slot is busy (other checkouts' test lanes?), waiting up to ` +
              `${Math.round((deadline - Date.now()) / 60_000)} more min: ${busy.join('; ')}`,
          );
          lastSaid = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
      }
    },
    waitMs + 60 * 60_000,
  );
}

/**
 * Waits (bounded, saying for what) until nothing listens on the instance's endpoints and none of `paths` exists
 * (e.g. its network namespace): a test bed of fixed resources that another checkout's run holds is waited for,
 * never shared or taken over.
 */
export async function waitForFreeInstance(
  instance: TestbedInstance,
  options: { log: (line: string) => void; paths?: string[]; waitMs?: number; pollMs?: number },
): Promise<void> {
  const waitMs = options.waitMs ?? 20 * 60_000;
  const deadline = Date.now() + waitMs;
  let lastSaid = 0;
  for (;;) {
    const held = [...(await busyEndpoints(instance)), ...(options.paths ?? []).filter((file) => fs.existsSync(file))];
    if (held.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`test bed ${instance.clusterName}: still in use after ${Math.round(waitMs / 60_000)} min: ${held.join(', ')}`);
    if (Date.now() - lastSaid > 60_000) {
      options.log(
        `test bed ${instance.clusterName}: ${held.join(', ')} in use (another checkout's run?); waiting up to ` +
          `${Math.ceil((deadline - Date.now()) / 60_000)} min`,
      );
      lastSaid = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
  }
}
