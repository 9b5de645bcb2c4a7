/**
 * How the worker reaches the nodes (sampling, collect, boot time, node-mode tools): over SSH with the node
 * map, or through the Kubernetes API with a hostPID pod per node that nsenters into it (src/nodeaccess/). An environment field
 * (src/config/trust.ts): the access pod is root on the node, so only the worker's config may choose it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from './experiment';
import { pinnedImageProblem } from './pinnedImage';

export type NodeAccessKind = 'ssh' | 'kubernetes';

/**
 * Official busybox (nsenter included), pinned by digest: the image runs as root in every node's namespaces, so a
 * moved tag must not change what runs. Docker Hub's multi-arch index for 1.36.1, as several public projects pin
 * it (`crane digest docker.io/library/busybox:1.36.1` prints it).
 */
export const DEFAULT_ACCESS_IMAGE =
  'docker.io/library/busybox:1.36.1@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662';
/**
 * The project's access image (scripts/testbed/build-node-images.sh): Debian's static busybox for nsenter, and a
 * portable sysstat for nodes without one. The test bed's registry serves it; a worker on the test bed pins it by the
 * digest the registry gave it (testbedAccessImage), and this unpinned name is only what `validate` shows before one runs.
 */
export const TESTBED_ACCESS_IMAGE = 'docker.io/hardenlab/node-access:1';

/** The access image as a real-node test bed's registry serves it, by digest; undefined when no such bed has pushed it. */
export function testbedAccessImage(testbedDir: string): string | undefined {
  return testbedServedImage(testbedDir, TESTBED_ACCESS_IMAGE);
}

/**
 * An image (docker.io/<repo>:<tag>) as a real-node test bed's registry serves it, pinned by the digest the registry gave
 * it at push (src/testbed/realnodes/registry.ts records it); undefined when no such bed has pushed it.
 */
export function testbedServedImage(testbedDir: string, image: string): string | undefined {
  const file = path.join(testbedDir, 'real', 'registry', 'digests', image.replace(/^docker\.io\//, '').replace(/[/:]/g, '_'));
  let digest = '';
  try {
    digest = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^sha256:[0-9a-f]{64}$/.test(digest) ? `${image.replace(/:[^/]*$/, '')}@${digest}` : undefined;
}

/** Why `image` is not fit for the access pod, or undefined: anything a registry serves must be pinned by digest. */
export function accessImageProblem(image: string): string | undefined {
  return pinnedImageProblem(image, "the access pod runs as root in every node's namespaces");
}

export interface NodeAccessChoice {
  access: NodeAccessKind;
  /** Why this access, for `validate` and logs. */
  why: string;
  /** The access pod's image (kubernetes access only). */
  image?: string;
  /** Taint keys the access pod may tolerate beyond the built-in ones (kubernetes access only). */
  tolerations?: readonly string[];
}

/** The access a resolved experiment config gives its nodes: `nodeAccess` when set, else ssh with a node map and kubernetes without. */
export function nodeAccessOf(
  config: Pick<ExperimentConfig, 'nodeAccess' | 'nodeAccessImage' | 'nodeAccessTolerations' | 'nodeMapPath' | 'cluster'>,
): NodeAccessChoice {
  const provider = config.cluster.provider;
  // Only a given kubeconfig defaults to the access pods: the test bed's nodes have sshd (resolve fills in its node
  // map), and Linode clusters are created per run, where the worker reaches their nodes by cluster.linode.ssh.
  const access: NodeAccessKind = config.nodeAccess ?? (provider === 'kubeconfig' && !config.nodeMapPath ? 'kubernetes' : 'ssh');
  const why = config.nodeAccess
    ? `nodeAccess: ${config.nodeAccess} in the worker config`
    : config.nodeMapPath
      ? 'the default with a node map'
      : provider === 'kubeconfig'
        ? 'the default with a kubeconfig and no node map'
        : `the default with cluster.provider ${provider}`;
  if (access === 'ssh') return { access, why };
  const image = config.nodeAccessImage ?? (config.cluster.provider === 'local' ? TESTBED_ACCESS_IMAGE : DEFAULT_ACCESS_IMAGE);
  return { access, why, image, tolerations: config.nodeAccessTolerations ?? [] };
}

/** One line per node for `validate`: which access it gets, and why. */
export function describeNodeAccess(
  choice: NodeAccessChoice,
  nodes: readonly { name: string; user?: string; host?: string; port?: number }[],
): string[] {
  return nodes.map((node) =>
    choice.access === 'ssh'
      ? `  ${node.name}: ssh to ${node.user ?? 'root'}@${node.host}:${node.port ?? 22} (${choice.why})`
      : `  ${node.name}: kubernetes, a hostPID pod (SYS_ADMIN, SYS_PTRACE) with image ${choice.image} ` +
        `running nsenter into the node (${choice.why})`,
  );
}

/**
 * The worker builds one node transport from its `experiment:` section (worker/nodeTransport.ts), so a named
 * environment may not change it: kubernetes access reaches the nodes of that section's cluster only. The
 * environment counts as merged over that section, so its defaults (kubernetes without a node map) count too.
 */
export function namedEnvironmentAccessProblem(
  experiment: Record<string, unknown>,
  environment: Record<string, unknown>,
  name: string,
): string | undefined {
  const top = rawNodeAccess(experiment);
  const chosen = rawNodeAccess({ ...experiment, ...environment, cluster: { ...clusterOf(experiment), ...clusterOf(environment) } });
  if (chosen !== top) {
    const how =
      environment.nodeAccess === undefined
        ? `reaches nodes by ${chosen} (its default${chosen === 'kubernetes' ? ' without a node map' : ''})`
        : `sets nodeAccess ${String(chosen)}`;
    return (
      `environment "${name}" ${how}, but this worker reaches nodes by ${top} (one node transport per worker in this release: ` +
      `set nodeAccess in experiment:, or give the environment a node map)`
    );
  }
  if (top === 'kubernetes' && environment.cluster !== undefined)
    return (
      `environment "${name}" names a cluster, but this worker reaches nodes through the Kubernetes API of its experiment: cluster ` +
      `only (in this release)`
    );
  return undefined;
}

function clusterOf(raw: Record<string, unknown>): { provider?: unknown; linode?: { ssh?: unknown } } {
  return raw.cluster !== null && typeof raw.cluster === 'object' ? (raw.cluster as { provider?: unknown; linode?: { ssh?: unknown } }) : {};
}

/** nodeAccessOf on a config as written (before validation): its nodeAccess, else the default from its fields. */
function rawNodeAccess(raw: Record<string, unknown>): NodeAccessKind {
  if (raw.nodeAccess === 'ssh' || raw.nodeAccess === 'kubernetes') return raw.nodeAccess;
  const cluster = clusterOf(raw);
  const provider = cluster.provider ?? 'kubeconfig';
  return provider === 'kubeconfig' && !raw.nodeMapPath ? 'kubernetes' : 'ssh';
}

/**
 * `nodeAccess: kubernetes` set explicitly and no node map: the run samples the nodes its cluster has when it
 * resolves (activities/config.ts writes them as the run's node map).
 */
export function nodesFromCluster(config: Pick<ExperimentConfig, 'nodeAccess' | 'nodeMapPath' | 'cluster'>): boolean {
  return nodeAccessOf(config).access === 'kubernetes' && !config.nodeMapPath && config.cluster.provider === 'kubeconfig';
}
