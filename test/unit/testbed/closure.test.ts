import { closureViolations, parseNamespaceEvidence, type NamespaceEvidence } from '../../../src/testbed/closure';
import { run } from '../../../src/process/subprocess';
import { readNamespaceEvidence } from '../../../src/testbed/realnodes/namespaceEvidence';

/** A closed namespace as namespaceEvidence.ts reports it: loopback, the bridge, one node's veth on it. */
function closed(): NamespaceEvidence {
  return {
    namespace: 'hardenlab-x',
    bridge: 'hlbr0',
    routes4: [
      { dst: '10.77.0.0/24', dev: 'hlbr0' },
      { type: 'prohibit', dst: '169.254.0.0/16' },
      { type: 'local', dst: '127.0.0.0/8', dev: 'lo' },
    ],
    routes6: [{ dst: 'fe80::/64', dev: 'hlbr0' }],
    // As `ip -j rule show` prints a fresh namespace's rules.
    rules4: [
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32766, src: 'all', table: 'main' },
      { priority: 32767, src: 'all', table: 'default' },
    ],
    rules6: [
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32766, src: 'all', table: 'main' },
    ],
    links: [
      { ifname: 'lo' },
      { ifname: 'hlbr0', linkinfo: { info_kind: 'bridge' } },
      { ifname: 'vb-node-1', master: 'hlbr0', link_netnsid: 0, linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' } },
    ],
    ipForward: 0,
    ip6Forward: 0,
    nftRuleset: { nftables: [{ metainfo: { version: '1.0.6' } }] },
    iptablesRules: 0,
    hostNamespaceIds: [],
    hostLinks: [{ ifname: 'lo' }, { ifname: 'eth0' }],
  };
}

describe('closureViolations', () => {
  test('a namespace with only the bridge and node veths is closed', () => {
    expect(closureViolations(closed())).toEqual([]);
  });

  test.each<[string, (evidence: NamespaceEvidence) => void, string]>([
    [
      'an IPv4 default route',
      (e) => e.routes4.push({ dst: 'default', gateway: '10.77.0.254', dev: 'hlbr0' }),
      'default route via 10.77.0.254',
    ],
    ['an IPv6 default route', (e) => e.routes6.push({ dst: 'default', dev: 'hlbr0' }), 'default route via hlbr0'],
    [
      'a gateway route',
      (e) => e.routes4.push({ dst: '192.168.0.0/16', gateway: '10.77.0.2' }),
      'route to 192.168.0.0/16 through gateway 10.77.0.2',
    ],
    [
      'no block of the metadata range',
      (e) => (e.routes4 = e.routes4.filter((route) => route.type !== 'prohibit')),
      'the metadata range 169.254.0.0/16 has no prohibit route',
    ],
    [
      'a policy rule to another table',
      (e) => e.rules4.push({ priority: 100, src: 'all', table: '42' }),
      'policy routing rule {"priority":100,"src":"all","table":"42"}',
    ],
    [
      'a fwmark rule',
      (e) => e.rules6.push({ priority: 32000, src: 'all', fwmark: '0x1', table: 'main' }),
      'policy routing rule {"priority":32000,"src":"all","fwmark":"0x1","table":"main"}',
    ],
    ['IPv4 forwarding', (e) => (e.ipForward = 1), 'IPv4 forwarding is on'],
    ['IPv6 forwarding', (e) => (e.ip6Forward = 1), 'IPv6 forwarding is on'],
    [
      'an nftables table',
      (e) => e.nftRuleset.nftables?.push({ table: { family: 'ip', name: 'nat' } }),
      'nftables has 1 tables, chains or rules (NAT or forwarding could hide there)',
    ],
    ['iptables rules', (e) => (e.iptablesRules = 2), 'iptables has 2 rules'],
    [
      'a veth off the bridge',
      (e) => e.links.push({ ifname: 'veth9', linkinfo: { info_kind: 'veth' } }),
      "interface veth9 (veth) is not the bridge or a node's veth on it",
    ],
    [
      'a physical interface',
      (e) => e.links.push({ ifname: 'eth1' }),
      "interface eth1 (physical or unknown) is not the bridge or a node's veth on it",
    ],
    [
      'a host link whose peer is inside',
      (e) => {
        e.hostNamespaceIds.push({ nsid: 3, name: 'hardenlab-x' });
        e.hostLinks.push({ ifname: 'veth-out', link_netnsid: 3 });
      },
      'host interface veth-out has its peer inside hardenlab-x',
    ],
  ])('flags %s', (_name, open, violation) => {
    const evidence = closed();
    open(evidence);
    expect(closureViolations(evidence)).toContain(violation);
  });

  test("a host link into another namespace is not this one's business", () => {
    const evidence = closed();
    evidence.hostNamespaceIds.push({ nsid: 4, name: 'other' });
    evidence.hostLinks.push({ ifname: 'veth-other', link_netnsid: 4 });
    expect(closureViolations(evidence)).toEqual([]);
  });
});

describe('parseNamespaceEvidence', () => {
  test('names the missing fields, so a changed tool output is never read as closed', () => {
    expect(() => parseNamespaceEvidence({ namespace: 'x', routes4: [] }, 'hlbr0')).toThrow(
      /lacks routes6, links, ipForward, ip6Forward, nftRuleset, iptablesRules, hostNamespaceIds, hostLinks, rules4, rules6/,
    );
  });
});

describe('the namespace evidence (realnodes/namespaceEvidence.ts)', () => {
  const namespace = `hardenlab-closuretest-${process.pid}`;
  beforeAll(async () => {
    await run('ip', ['netns', 'add', namespace]);
  });
  afterAll(async () => {
    await run('ip', ['netns', 'del', namespace]);
  });

  test('fails closed: without nft (or iptables-save) it proves nothing instead of reading "no rules"', async () => {
    const evidence = parseNamespaceEvidence(await readNamespaceEvidence(namespace, process.env), 'hlbr0');
    expect(evidence.rules4.map((rule) => rule.table)).toEqual(['local', 'main', 'default']);
    // /usr/sbin holds nft and iptables-save on Debian: without it the check must fail, not pass.
    await expect(readNamespaceEvidence(namespace, { ...process.env, PATH: '/usr/bin:/bin' })).rejects.toThrow(
      `nft -j list ruleset failed in ${namespace}: the namespace cannot be proven closed`,
    );
  });
});
