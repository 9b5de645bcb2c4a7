import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubectl, type ClusterContext } from './kwokCluster';
import type { SimLayout } from './layout';
import { readToolVersions, toolPaths } from '../tools/install';
import {
  ensureNodeImage,
  ensureNodeImages,
  ensureToolImages,
  kubeHunterSitePackages,
  loadBalancerUp,
  realNodesUp,
  type RealNodesContext,
} from './realNodes';
import { initializeRealNodes } from './realNodeRegistration';
import { readConfigInForce } from './configInForce';
import { NODE_KINDS, type NodeKind } from './testbedConfig';

export { NODE_KINDS, type NodeKind } from './testbedConfig';

/** The file older test beds kept their node kind in; the configuration in force replaces it. */
function legacyKindFile(layout: SimLayout): string {
  return path.join(layout.simDir, 'node-kind');
}

/** The kind of nodes the test bed in this folder was started with (undefined when none was). */
export function readNodeKind(layout: SimLayout): NodeKind | undefined {
  const inForce = readConfigInForce(layout);
  if (inForce) return inForce.nodes.kind;
  try {
    const kind = fs.readFileSync(legacyKindFile(layout), 'utf8').trim();
    return (NODE_KINDS as readonly string[]).includes(kind) ? (kind as NodeKind) : undefined;
  } catch {
    return undefined;
  }
}

export function realNodesContext(ctx: ClusterContext, cache: string): RealNodesContext {
  return { layout: ctx.layout, cache, log: ctx.log, env: ctx.env };
}

/**
 * Boots the real nodes against the running control plane: node image and images from the cache (built on
 * first use), a client certificate per node signed by the cluster CA, then registration and initialization.
 */
export async function startRealNodes(ctx: ClusterContext, cache: string): Promise<void> {
  const rn = realNodesContext(ctx, cache);
  const image = await ensureNodeImage(rn);
  const imagesDir = await ensureNodeImages(rn);
  const toolImagesDir = await ensureToolImages(rn);
  const pki = path.join(ctx.layout.kwokClusterDir, 'pki');
  await realNodesUp(rn, image, {
    caCertPath: path.join(pki, 'ca.crt'),
    caKeyPath: path.join(pki, 'ca.key'),
    tlsServerName: 'localhost',
    kubeletDir: path.dirname(ctx.binaries.kubelet),
    imagesDir,
    registryDirs: [toolImagesDir],
    kubeHunterSitePackages: kubeHunterSitePackages(
      toolPaths(readToolVersions(), { ...ctx.env, HARDENLAB_CACHE: cache }).kubeHunterVenv,
    ),
  });
  await initializeRealNodes(rn, (args) => kubectl(ctx, args));
  await loadBalancerUp(rn, ctx.binaries.kubectl);
}
