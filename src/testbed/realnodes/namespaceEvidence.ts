import * as fs from 'node:fs';
import { run } from '../../process/subprocess';

/**
 * The evidence that a network namespace is closed, read from its configuration (no packet is sent): its routes, links,
 * rules, forwarding and firewall, and the host's links (a link whose peer is inside carries the namespace's id).
 * Fails closed: a missing or failing tool is no evidence of "no rules". closure.ts judges what this returns.
 */
export async function readNamespaceEvidence(namespace: string, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const netns = `/run/netns/${namespace}`;
  if (!fs.existsSync(netns)) throw new Error(`namespace ${namespace} does not exist`);
  const inside = async (args: readonly string[]) => {
    try {
      return (await run('nsenter', [`--net=${netns}`, ...args], { env, timeoutMs: 30_000 })).stdout;
    } catch (error) {
      throw new Error(`${args.join(' ')} failed in ${namespace}: the namespace cannot be proven closed (${(error as Error).message})`);
    }
  };
  const json = async (args: readonly string[]) => JSON.parse(await inside(args)) as unknown;
  const host = async (args: readonly string[]) => (await run('ip', args, { env, timeoutMs: 30_000 })).stdout.trim();
  // In this order (each awaited): the first tool that fails names itself.
  const evidence: Record<string, unknown> = {
    routes4: await json(['ip', '-j', '-4', 'route', 'show', 'table', 'all']),
    routes6: await json(['ip', '-j', '-6', 'route', 'show', 'table', 'all']),
    links: await json(['ip', '-j', '-d', 'link', 'show']),
    ipForward: Number(await inside(['cat', '/proc/sys/net/ipv4/ip_forward'])),
    ip6Forward: Number(await inside(['cat', '/proc/sys/net/ipv6/conf/all/forwarding'])),
    nftRuleset: await json(['nft', '-j', 'list', 'ruleset']),
  };
  const rulesSaved = `${await inside(['iptables-save'])}\n${await inside(['ip6tables-save'])}`;
  return {
    ...evidence,
    iptablesRules: rulesSaved.split('\n').filter((line) => line.startsWith('-A')).length,
    rules4: await json(['ip', '-j', '-4', 'rule', 'show']),
    rules6: await json(['ip', '-j', '-6', 'rule', 'show']),
    namespace,
    // No namespace has an id yet: ip prints nothing rather than [].
    hostNamespaceIds: JSON.parse((await host(['-j', 'netns', 'list-id'])) || '[]') as unknown,
    hostLinks: JSON.parse(await host(['-j', '-d', 'link', 'show'])) as unknown,
  };
}
