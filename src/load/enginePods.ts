/**
 * The policy engine's own cost (issue 28): its pods' CPU and working set on their nodes, read at the load window's
 * edges from their cgroups through the worker's node transport (SSH or the access pods, as the sampler), so the
 * report sets the engine's cost beside what it denies. A pod or node that cannot be read is said, never fatal: the
 * admission figures read with it stand.
 */
import type { PodResourceScrape } from '../analysis/load';
import type { KubeClient } from '../kube/kubeObjects';
import { parsePodCgroups, podCgroupScript } from '../sampling/podCgroups';
import type { NodeEntry } from '../config/nodeMap';
import type { SshConnector } from '../ssh/sessionContract';

interface PodShape {
  metadata: { name: string; uid?: string };
  spec?: { nodeName?: string };
}

export interface EnginePodsAccess {
  connector: SshConnector;
  /** The node map's entries by node name (how the transport reaches each node). */
  nodes: ReadonlyMap<string, NodeEntry>;
  runId: string;
}

/** The namespace's pods, read on their nodes now; undefined when the namespace has no pod placed on a node. */
export async function readPodResources(
  client: KubeClient,
  namespace: string,
  access: EnginePodsAccess,
): Promise<PodResourceScrape | undefined> {
  const listed = (await client.list('v1', 'Pod', { namespace })).items as unknown as PodShape[];
  const pods = listed.filter((p) => p.spec?.nodeName && p.metadata.uid);
  if (pods.length === 0) return undefined;
  const scrape: PodResourceScrape = { namespace, samples: [], errors: [] };
  const byNode = new Map<string, PodShape[]>();
  for (const pod of pods) byNode.set(pod.spec!.nodeName!, [...(byNode.get(pod.spec!.nodeName!) ?? []), pod]);
  for (const [node, onNode] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
    const entry = access.nodes.get(node);
    if (!entry) {
      scrape.errors.push(`${node}: not in the node map, so its pods were not read`);
      continue;
    }
    const uids = onNode.map((p) => p.metadata.uid!);
    try {
      const session = await access.connector.connect(entry, { runId: access.runId });
      let output: string;
      try {
        output = await session.run(podCgroupScript(uids));
      } finally {
        await session.close();
      }
      const reading = parsePodCgroups(output, uids);
      for (const pod of onNode) {
        const figures = reading.pods.get(pod.metadata.uid!)!;
        if ('unavailable' in figures) scrape.errors.push(`${pod.metadata.name} on ${node}: ${figures.unavailable}`);
        else scrape.samples.push({ pod: pod.metadata.name, node, atMs: reading.atMs, ...figures });
      }
    } catch (err) {
      scrape.errors.push(`${node}: ${(err as Error).message}`);
    }
  }
  return scrape;
}
