import { ApplicationFailure } from '@temporalio/common';
import { BlockList, isIPv4 } from 'node:net';
import { stringify } from 'yaml';
import { nodeMapSchema, type NodeAccess, type NodeEntry } from '../config/nodeMap';
import type { LinodeApi, LkeNodePool } from './linodeApi';
import { writePrivateFile } from './privateFile';

export const NODE_MAP_UNDERIVABLE = 'LinodeNodeMapUnderivable';

/** Linode's private IPv4 range: addresses a node gets for traffic inside its region. */
const LINODE_PRIVATE = new BlockList();
LINODE_PRIVATE.addSubnet('192.168.128.0', 17, 'ipv4');

/** Where a derived node map sampled: node name and address, for the run's record (no paths, no keys). */
export interface DerivedNodeHost {
  node: string;
  host: string;
}

/** The node's address of the kind asked for, from the instance's IPv4 list. */
export function pickAddress(ipv4: readonly string[], kind: NodeAccess['address']): string | undefined {
  const v4 = ipv4.filter((a) => isIPv4(a));
  return v4.find((a) => LINODE_PRIVATE.check(a, 'ipv4') === (kind === 'private'));
}

/**
 * A node map for the nodes of one LKE cluster: each pool node's instance (label = Kubernetes node name,
 * address from the Linode API) with the worker config's SSH settings. Every Kubernetes node must be one
 * of those instances, so the run samples exactly its own cluster's machines.
 */
export async function deriveNodeMap(
  api: LinodeApi,
  pools: LkeNodePool[],
  access: NodeAccess,
  kubernetesNodes: readonly string[],
): Promise<NodeEntry[]> {
  const { address, ...ssh } = access;
  const entries: NodeEntry[] = [];
  for (const node of pools.flatMap((p) => p.nodes)) {
    if (node.instance_id === null)
      throw ApplicationFailure.nonRetryable(`LKE pool node ${node.id} has no Linode instance yet`, NODE_MAP_UNDERIVABLE);
    const instance = await api.getInstance(node.instance_id);
    if (!instance)
      throw ApplicationFailure.nonRetryable(
        `Linode instance ${node.instance_id} of pool node ${node.id} is not in the Linode API`,
        NODE_MAP_UNDERIVABLE,
      );
    const host = pickAddress(instance.ipv4, address);
    if (!host)
      throw ApplicationFailure.nonRetryable(
        `Linode instance ${instance.id} (${instance.label}) has no ${address} IPv4 address (it ` +
          `has ${instance.ipv4.join(', ') || 'none'}): see cluster.linode.ssh.address`,
        NODE_MAP_UNDERIVABLE,
      );
    entries.push({ ...ssh, name: instance.label, host });
  }
  const labels = new Set(entries.map((e) => e.name));
  const unmatched = kubernetesNodes.filter((name) => !labels.has(name));
  if (unmatched.length > 0)
    throw ApplicationFailure.nonRetryable(
      `Kubernetes nodes ${unmatched.join(', ')} are not instances of the cluster's node pools (${[...labels].join(', ') || 'none'}): ` +
        `cannot tell which machine to sample`,
      NODE_MAP_UNDERIVABLE,
    );
  return entries.filter((e) => kubernetesNodes.includes(e.name));
}

/** Writes the derived map (validated like a user's) where only the worker's user can read it. */
export async function writeNodeMap(file: string, nodes: NodeEntry[]): Promise<void> {
  await writePrivateFile(file, stringify(nodeMapSchema.parse({ nodes })));
}
