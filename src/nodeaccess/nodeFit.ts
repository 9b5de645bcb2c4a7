/**
 * Whether a node may host the access pod, before one is made: a pod with `nodeName` skips the scheduler, so
 * a cordon or a taint would not stop it. Both are the node owner's word that workloads stay away; the run
 * is refused naming the node and why, unless the worker config lets the access pod tolerate that taint.
 * Pure: the connector (connector.ts) reads the Node and acts on the answer.
 */

export interface NodeTaint {
  key: string;
  value?: string;
  effect?: string;
}

/**
 * Taints every node-level agent tolerates (DaemonSet pods get them too): the node lifecycle's conditions,
 * and the control plane's role taints (a control-plane node is a node to measure like any other).
 */
export const ALWAYS_TOLERATED = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/network-unavailable',
  'node-role.kubernetes.io/control-plane',
  'node-role.kubernetes.io/master',
] as const;

/** The taint a cordon adds; a cordon is refused as such (spec.unschedulable), with its own message. */
const CORDON_TAINT = 'node.kubernetes.io/unschedulable';

export interface NodeShape {
  spec?: { unschedulable?: boolean; taints?: NodeTaint[] };
}

export function describeTaint(taint: NodeTaint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect ?? 'NoSchedule'}`;
}

/** Why the access pod may not go to this node, or undefined when it may. `tolerated`: the worker config's extra taint keys. */
export function accessRefusal(name: string, node: NodeShape, tolerated: readonly string[]): string | undefined {
  if (node.spec?.unschedulable) {
    return (
      `node ${name} is cordoned (spec.unschedulable): hardenlab does not start its access pod on a node taken out of ` +
      `service; uncordon it (kubectl uncordon ${name}) to measure it`
    );
  }
  const allowed = new Set<string>([...ALWAYS_TOLERATED, CORDON_TAINT, ...tolerated]);
  // PreferNoSchedule is a preference the scheduler weighs, not a rule: it never keeps a pod away.
  const refused = (node.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule' && !allowed.has(t.key));
  if (refused.length === 0) return undefined;
  return (
    `node ${name} has the taint${refused.length > 1 ? 's' : ''} ${refused.map(describeTaint).join(', ')}, which the access pod ` +
    `does not tolerate: add ${refused.length > 1 ? 'the keys' : 'the key'} to nodeAccessTolerations in the worker config's ` +
    `experiment: section to measure this node there`
  );
}
