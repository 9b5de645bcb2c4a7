import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../../process/subprocess';
import { prepareV1NodeCgroups, removeV1NodeCgroups, removeV1Parents } from './cgroupV1';
import { prepareV2NodeCgroup, removeV2NodeCgroup, removeV2Parent } from './cgroupV2';
import { bedPid, spawnInBed, stopBedProcess } from './forwards';
import { launcherCommand, type NodeReadOnlyFolders } from './nodeLauncher';
import { nodeDir, type NodeBed, type NodeIdentity } from './nodeBed';

/**
 * A node's boot and poweroff: its cgroups (cgroupV1.ts or cgroupV2.ts), then its launcher (nodeLauncher.ts) as a
 * detached process of the bed (pid file node-<name>.pid). realNodes.ts forwards its sshd once it runs.
 */
export const nodePidName = (name: string) => `node-${name}`;

/** Boots the node in its cgroups unless its launcher runs. `address` is where its sshd will be forwarded from. */
export function nodeStart(bed: NodeBed, node: NodeIdentity & { address: string }, folders: NodeReadOnlyFolders, log: Log): void {
  const { name } = node;
  if (!node.address.startsWith('127.')) throw new Error(`node ${name}: the forward address must be on loopback, got '${node.address}'`);
  if (!fs.existsSync(path.join(nodeDir(bed, name), '.created'))) throw new Error(`node ${name} was not created`);
  if (bedPid(bed, nodePidName(name)) !== undefined) return;
  const { cgroups } = bed;
  if (cgroups.mode === 'v1') prepareV1NodeCgroups(bed, name);
  else prepareV2NodeCgroup(bed, cgroups, name, log);
  const [file, ...args] = launcherCommand(bed, name, folders);
  spawnInBed(bed, nodePidName(name), file!, args);
}

/** Powers the node off (SIGTERM: nspawn asks its systemd for an orderly poweroff), then removes its forwards and cgroups. */
export async function nodeStop(bed: NodeBed, name: string): Promise<void> {
  for (const forward of [`ssh-${name}`, `kubelet-${name}`]) {
    await stopBedProcess(bed, `fwd-${forward}-host`, 2_000);
    await stopBedProcess(bed, `fwd-${forward}-ns`, 2_000);
  }
  await stopBedProcess(bed, nodePidName(name), 20_000);
  if (bed.cgroups.mode === 'v1') await removeV1NodeCgroups(bed, name);
  await removeV2NodeCgroup(bed, bed.cgroups.mode, name);
}

/** The bed's parent cgroups, once every node is gone. */
export function removeNodeCgroupParents(bed: NodeBed): void {
  if (bed.cgroups.mode === 'v1') removeV1Parents(bed);
  else removeV2Parent(bed, bed.cgroups);
}
