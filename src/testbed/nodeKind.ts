import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../config/paths';
import { kubectl, type ClusterContext } from './kwokCluster';
import type { TestbedLayout } from './layout';
import { readToolVersions, toolPaths } from '../tools/install';
import {
  ensureNodeImage,
  buildInCache,
  ensureNodeImages,
  ensureToolImages,
  loadBalancerUp,
  realNodesUp,
  TESTBED_GATEWAY,
  type RealNodesContext,
} from './realNodes';
import { initializeRealNodes, REGISTRATION_TIMEOUT_MS } from './realNodeRegistration';
import { startNetworkPolicyEnforcer } from './realNodeEnforcer';
import { readConfigInForce } from './configInForce';
import { NODE_KINDS, type NodeKind } from './testbedConfig';

export { NODE_KINDS, type NodeKind } from './testbedConfig';

export const engineImagesScript = path.join(repoRoot, 'scripts', 'testbed', 'build-engine-images.sh');

/** Builds (or finds in the cache) the policy engine's image (Gatekeeper's manager), and returns its folder. */
export async function ensureEngineImages(ctx: RealNodesContext): Promise<string> {
  const dir = await buildInCache(ctx, engineImagesScript);
  if (!fs.existsSync(path.join(dir, 'push', 'gatekeeper.tar')))
    throw new Error(`${engineImagesScript} printed no usable folder (got '${dir}')`);
  return dir;
}

export const loadImagesScript = path.join(repoRoot, 'scripts', 'testbed', 'build-load-images.sh');

/** Builds (or finds in the cache) the load pod's image (vegeta, issue 27), and returns its folder. */
export async function ensureLoadImages(ctx: RealNodesContext): Promise<string> {
  const dir = await buildInCache(ctx, loadImagesScript);
  if (!fs.existsSync(path.join(dir, 'push', 'vegeta.tar'))) throw new Error(`${loadImagesScript} printed no usable folder (got '${dir}')`);
  return dir;
}

/** The file older test beds kept their node kind in; the configuration in force replaces it. */
function legacyKindFile(layout: TestbedLayout): string {
  return path.join(layout.testbedDir, 'node-kind');
}

/** The kind of nodes the test bed in this folder was started with (undefined when none was). */
export function readNodeKind(layout: TestbedLayout): NodeKind | undefined {
  const inForce = readConfigInForce(layout);
  if (inForce) return inForce.nodes.kind;
  try {
    const kind = fs.readFileSync(legacyKindFile(layout), 'utf8').trim();
    return (NODE_KINDS as readonly string[]).includes(kind) ? (kind as NodeKind) : undefined;
  } catch {
    return undefined;
  }
}

/** The site-packages folder of the worker's kube-hunter virtualenv (undefined when it is not installed). */
export function kubeHunterSitePackages(venv: string): string | undefined {
  const lib = path.join(venv, 'lib');
  const python = fs.existsSync(lib) ? fs.readdirSync(lib).find((name) => /^python3\.\d+$/.test(name)) : undefined;
  const dir = python && path.join(lib, python, 'site-packages');
  return dir && fs.existsSync(path.join(dir, 'kube_hunter')) ? dir : undefined;
}

export function realNodesContext(ctx: ClusterContext, cache: string): RealNodesContext {
  return { layout: ctx.layout, cache, log: ctx.log, env: ctx.env };
}

export interface RealNodesStart {
  /**
   * Only the nodes: no image registry in the node network (pods then run only the images each node imports at
   * boot) and no load balancer. For slow hosts, such as the cgroup v2 proof's TCG guest, whose check needs neither.
   */
  minimal?: boolean;
  /** How long each node's sshd and registration may take (at least their defaults; a TCG guest needs far more). */
  waitMs?: number;
  /** Without the NetworkPolicy enforcer in the nodes (kube-router); minimal starts have none either. */
  withoutEnforcer?: boolean;
}

/**
 * Boots the real nodes against the running control plane: node image and images from the cache (built on
 * first use), a client certificate per node signed by the cluster CA, then registration and initialization.
 */
export async function startRealNodes(ctx: ClusterContext, cache: string, start: RealNodesStart = {}): Promise<void> {
  const rn = realNodesContext(ctx, cache);
  const image = await ensureNodeImage(rn);
  const imagesDir = await ensureNodeImages(rn);
  const toolImagesDir = start.minimal ? undefined : await ensureToolImages(rn);
  const engineImagesDir = start.minimal ? undefined : await ensureEngineImages(rn);
  const loadImagesDir = start.minimal ? undefined : await ensureLoadImages(rn);
  const pki = path.join(ctx.layout.kwokClusterDir, 'pki');
  const ca = { caCertPath: path.join(pki, 'ca.crt'), caKeyPath: path.join(pki, 'ca.key'), tlsServerName: 'localhost' };
  await realNodesUp(rn, image, {
    ...ca,
    kubeletDir: path.dirname(ctx.binaries.kubelet),
    imagesDir,
    registryDirs: toolImagesDir && engineImagesDir && loadImagesDir ? [toolImagesDir, engineImagesDir, loadImagesDir] : false,
    kubeHunterSitePackages: kubeHunterSitePackages(
      toolPaths(readToolVersions(), { ...ctx.env, HARDENLAB_CACHE: cache }).kubeHunterVenv,
    ),
  }, start.waitMs);
  await initializeRealNodes(rn, (args) => kubectl(ctx, args), Math.max(REGISTRATION_TIMEOUT_MS, start.waitMs ?? 0));
  if (!start.minimal && !start.withoutEnforcer) {
    const api = { gateway: TESTBED_GATEWAY, apiPort: ctx.layout.instance.ports.kubeApiserver };
    await startNetworkPolicyEnforcer(rn, (args) => kubectl(ctx, args), { ...ca, ...api });
  }
  if (!start.minimal) loadBalancerUp(rn);
}
