import * as fs from 'node:fs';
import { testbedDown } from '../../src/testbed';
import { startedLaneBeds } from './realLane';

/**
 * Jest globalTeardown of the real-node lanes: stops the bed the lane's files shared (realLane.ts), and fails the
 * lane, naming what, if a process, the network namespace or the bed's cgroup outlived it.
 */
export default async function realLaneTeardown(): Promise<void> {
  const problems: string[] = [];
  for (const { home, instance } of startedLaneBeds()) {
    const log = (line: string) => process.stderr.write(`[${instance.clusterName}] ${line}\n`);
    const down = await testbedDown({ env: process.env, home, instance, log });
    for (const { pid, command } of down.leftover) problems.push(`pid ${pid} (${command})`);
    const before = problems.length;
    for (const left of [`/run/netns/hardenlab-${instance.clusterName}`, `/sys/fs/cgroup/cpu/hardenlab-hardenlab-${instance.clusterName}`])
      if (fs.existsSync(left)) problems.push(left);
    // Clean: the files' scratch goes too, so the next run starts from nothing.
    if (problems.length === before) fs.rmSync(home, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`testbed down left behind: ${problems.join(', ')}`);
}
