/**
 * Is the node network closed? Decided from the namespace's configuration alone, never by sending traffic:
 * kube-hunter's subnet-probing modes (`--pod`, `--interface`, `--cidr`) may run only in a namespace from
 * which no packet can leave. Pure: the evidence is what realnodes/namespaceEvidence.ts read.
 */

interface Route {
  dst?: string;
  type?: string;
  gateway?: string;
  dev?: string;
}

/** A policy routing rule (`ip -j rule show`). */
interface Rule {
  priority?: number;
  src?: string;
  table?: string;
  action?: string;
  [key: string]: unknown;
}

interface Link {
  ifname?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
  master?: string;
}

export interface NamespaceEvidence {
  namespace: string;
  bridge: string;
  routes4: Route[];
  routes6: Route[];
  rules4: Rule[];
  rules6: Rule[];
  links: Link[];
  ipForward: number;
  ip6Forward: number;
  nftRuleset: { nftables?: unknown[] };
  iptablesRules: number;
  hostNamespaceIds: { nsid?: number; name?: string }[];
  hostLinks: Link[];
}

/** The link-local range of cloud metadata services (169.254.169.254). */
export const METADATA_RANGE = '169.254.0.0/16';

const STANDARD_RULES: Record<string, number> = { local: 0, main: 32766, default: 32767 };

function isStandardRule(rule: Rule): boolean {
  const keys = Object.keys(rule).sort().join(',');
  return keys === 'priority,src,table' && rule.src === 'all' && rule.table !== undefined && STANDARD_RULES[rule.table] === rule.priority;
}

/** Every reason the namespace is not closed; an empty list means closed. */
export function closureViolations(evidence: NamespaceEvidence): string[] {
  const violations: string[] = [];
  const isDefault = (route: Route) => route.dst === 'default' || route.dst === '0.0.0.0/0' || route.dst === '::/0';
  for (const route of [...evidence.routes4, ...evidence.routes6]) {
    if (isDefault(route)) violations.push(`default route via ${route.gateway ?? route.dev ?? '?'}`);
    if (route.gateway) violations.push(`route to ${route.dst} through gateway ${route.gateway}`);
  }
  // Cloud metadata services answer on 169.254.169.254: tools probe it (kube-hunter --pod does first). Blocked by a
  // route of its own, the answer is an immediate "prohibited" from inside, whatever else changes.
  const blocked = evidence.routes4.some(
    (route) => route.dst === METADATA_RANGE && ['prohibit', 'blackhole', 'unreachable'].includes(route.type ?? ''),
  );
  if (!blocked) violations.push(`the metadata range ${METADATA_RANGE} has no prohibit route`);
  // Policy rules could send traffic by another table or mark: only the kernel's own three may exist.
  for (const rule of [...evidence.rules4, ...evidence.rules6]) {
    if (!isStandardRule(rule)) violations.push(`policy routing rule ${JSON.stringify(rule)}`);
  }
  if (evidence.ipForward !== 0) violations.push('IPv4 forwarding is on');
  if (evidence.ip6Forward !== 0) violations.push('IPv6 forwarding is on');
  const nftRules = (evidence.nftRuleset.nftables ?? []).filter(
    (item) => typeof item === 'object' && item !== null && !('metainfo' in item),
  );
  if (nftRules.length > 0) violations.push(`nftables has ${nftRules.length} tables, chains or rules (NAT or forwarding could hide there)`);
  if (evidence.iptablesRules > 0) violations.push(`iptables has ${evidence.iptablesRules} rules`);

  // Inside: loopback, the bridge, and veths enslaved to the bridge (each node's host side), nothing else.
  for (const link of evidence.links) {
    const kind = link.linkinfo?.info_kind;
    if (link.ifname === 'lo') continue;
    if (link.ifname === evidence.bridge && kind === 'bridge') continue;
    if (kind === 'veth' && link.master === evidence.bridge) continue;
    violations.push(`interface ${link.ifname ?? '?'} (${kind ?? 'physical or unknown'}) is not the bridge or a node's veth on it`);
  }
  // Outside: no link of the host's namespace has its peer in this namespace.
  const ids = new Set(evidence.hostNamespaceIds.filter((entry) => entry.name === evidence.namespace).map((entry) => entry.nsid));
  for (const link of evidence.hostLinks) {
    if (link.link_netnsid !== undefined && ids.has(link.link_netnsid)) {
      violations.push(`host interface ${link.ifname ?? '?'} has its peer inside ${evidence.namespace}`);
    }
  }
  return violations;
}

/** Parses and checks evidence; throws when a field is missing, so a changed tool output is not read as closed. */
export function parseNamespaceEvidence(raw: Record<string, unknown>, bridge: string): NamespaceEvidence {
  const required = [
    'namespace',
    'routes4',
    'routes6',
    'links',
    'ipForward',
    'ip6Forward',
    'nftRuleset',
    'iptablesRules',
    'hostNamespaceIds',
    'hostLinks',
    'rules4',
    'rules6',
  ];
  const missing = required.filter((key) => !(key in raw));
  if (missing.length > 0) throw new Error(`namespace evidence lacks ${missing.join(', ')}`);
  return { ...(raw as Omit<NamespaceEvidence, 'bridge'>), bridge };
}
