import type { NodeIdentity } from './runData';

export type TrustLevel = 'warn' | 'info' | 'ok';

/** One item of the report's trust box: what can bias this run, computed from the data. */
export interface TrustItem {
  id: 'repetitions' | 'shared-host' | 'gaps' | 'sampler-overhead' | 'order' | 'window';
  level: TrustLevel;
  title: string;
  detail: string;
}

/** What the cluster facts say about the nodes: a KWOK node has a simulated kubelet and no machine of its own. */
export interface NodeFactsView {
  provider?: string;
  /** Nodes whose kubelet is KWOK's (`kwok-v0.7.0`). */
  kwokNodes: string[];
}

/** Reads provider and KWOK nodes from a run's recorded cluster facts (shape of ClusterFacts; tolerant of older ones). */
export function nodeFactsView(facts: Record<string, unknown> | null | undefined): NodeFactsView {
  const nodes = Array.isArray(facts?.nodes) ? (facts.nodes as unknown[]) : [];
  const kwokNodes = nodes.flatMap((n) => {
    const node = n as { name?: unknown; kubeletVersion?: unknown };
    return typeof node.name === 'string' && typeof node.kubeletVersion === 'string' && node.kubeletVersion.startsWith('kwok')
      ? [node.name]
      : [];
  });
  return { ...(typeof facts?.provider === 'string' ? { provider: facts.provider } : {}), kwokNodes };
}

function groupsBy(identities: NodeIdentity[], key: (i: NodeIdentity) => string | undefined): string[][] {
  const groups = new Map<string, string[]>();
  for (const i of identities) {
    const k = key(i);
    if (k === undefined || k === '') continue;
    groups.set(k, [...(groups.get(k) ?? []), i.node]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

const SHARED = 'nodes share one host: per-node figures are not independent';
const listGroups = (groups: string[][]) => groups.map((g) => g.join(', ')).join('; ');

/**
 * Whether the sampled nodes are separate machines. The same machine-id on several nodes, or KWOK nodes, is one
 * host seen several times (warn). Distinct machine-ids with /proc/stat served by lxcfs are system containers:
 * separate cgroups and their own /proc figures (info, not a warning). The same kernel (boot id) without lxcfs
 * shows every node the host's /proc (warn).
 */
export function sharedHostCheck(identities: NodeIdentity[], facts: NodeFactsView): TrustItem {
  const item = (level: TrustLevel, title: string, detail: string): TrustItem => ({ id: 'shared-host', level, title, detail });
  const sameMachine = groupsBy(identities, (i) => i.machineId);
  if (facts.kwokNodes.length > 0) {
    return item(
      'warn',
      SHARED,
      `${facts.kwokNodes.join(', ')} ${facts.kwokNodes.length === 1 ? 'is a KWOK node' : 'are KWOK nodes'} (simulated ` +
        `kubelet${facts.provider ? `, provider ${facts.provider}` : ''}): the sampled hosts are not separate cluster machines.` +
        (sameMachine.length ? ` Same /etc/machine-id on ${listGroups(sameMachine)}.` : ''),
    );
  }
  if (sameMachine.length > 0) {
    return item('warn', SHARED, `Same /etc/machine-id on ${listGroups(sameMachine)}.`);
  }
  // lxcfs serves /proc to containers only: nodes that all read their /proc/stat from it are system containers,
  // whatever their boot ids say (systemd-nspawn gives each container a boot id of its own).
  if (identities.length > 0 && identities.every((i) => i.procStatLxcfs === true)) {
    const kernels = [...new Set(identities.map((i) => i.kernel).filter((k): k is string => Boolean(k)))];
    return item(
      'info',
      'nodes are system containers on one kernel; CPU and memory are isolated by cgroups and lxcfs',
      `Distinct machine-ids, /proc/stat from lxcfs on every node${kernels.length === 1 ? `, kernel ${kernels[0]}` : ''}: each node's ` +
        `figures are its own container's, but they compete for one host's CPUs.`,
    );
  }
  const sameKernel = groupsBy(identities, (i) => i.bootId);
  if (sameKernel.length > 0) {
    const members = new Set(sameKernel.flat());
    const containers = identities.filter((i) => members.has(i.node));
    if (containers.every((i) => i.procStatLxcfs === true)) {
      return item(
        'info',
        'nodes are system containers on one kernel; CPU and memory are isolated by cgroups and lxcfs',
        `Distinct machine-ids, one boot id on ${listGroups(sameKernel)}, /proc/stat from lxcfs: each node's figures are its own ` +
          `container's, but they compete for one host's CPUs.`,
      );
    }
    return item(
      'warn',
      SHARED,
      `One kernel (same boot id) on ${listGroups(sameKernel)} without lxcfs: every node reads the host's /proc/stat.`,
    );
  }
  const known = identities.filter((i) => i.machineId || i.bootId);
  if (known.length === 0) {
    return item(
      'info',
      'node identity not recorded: shared hosts cannot be ruled out',
      'This run did not record machine-id and boot id per node (older runs do not).',
    );
  }
  return item(
    'ok',
    `${known.length} separate machines`,
    `Every node has its own machine-id and boot ` +
      `id${known.length < identities.length ? ` (${identities.length - known.length} not read)` : ''}.`,
  );
}
