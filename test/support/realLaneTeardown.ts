import * as fs from 'node:fs';
import { testbedDown } from '../../src/testbed';
import { ownedLaneBed, REAL_LANES } from './realLane';

/**
 * Jest globalTeardown of the real-node lanes: stops the bed the lane's files shared (realLane.ts), and fails the
 * lane, naming what, if a process, the network namespace or the bed's cgroup outlived it.
 */
export default async function realLaneTeardown(): Promise<void> {
  const problems: string[] = [];
  for (const lane of REAL_LANES) {
    const bed = ownedLaneBed(lane);
    if (!bed) continue;
    const { home, instance } = bed;
    const log = (line: string) => process.stderr.write(`[${lane}] ${line}\n`);
    const down = await testbedDown({ env: process.env, home, instance, log });
    const before = problems.length;
    for (const { pid, command } of down.leftover) problems.push(`pid ${pid} (${command})`);
    for (const left of [`/run/netns/hardenlab-${instance.clusterName}`, `/sys/fs/cgroup/cpu/hardenlab-hardenlab-${instance.clusterName}`])
      if (fs.existsSync(left)) problems.push(left);
    // Clean: the files' scratch and the owner file go too, so the next run starts from nothing.
    if (problems.length === before) fs.rmSync(home, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`testbed down left behind: ${problems.join(', ')}`);
}
