import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../config/paths';
import { parseVersionsEnv } from '../config/versionsEnv';
import { ENFORCER_ANNOTATION } from '../kube/facts';
import { signCertificate } from '../pki/openssl';
import { run, waitFor } from '../process/subprocess';
import { versionsFile } from './buildVersions';
import { nodeSshArgs, type TestbedNode } from './layout';
import { realNodesDir, type RealNodesContext } from './realNodes';
import type { Kubectl } from './realNodeRegistration';
import { caDigest, folderIn, writeNew } from './realnodes/kubeletSetup';
import {
  digestLine,
  ENFORCER_BINARY_IN_NODE,
  ENFORCER_CERTIFICATE,
  ENFORCER_CHECK,
  ENFORCER_DIGEST_IN_NODE,
  ENFORCER_DIR_IN_NODE,
  ENFORCER_KUBECONFIG,
  ENFORCER_UNIT,
  enforcerProblems,
  parseEnforcerCheck,
  kubeRouterKubeconfig,
  kubeRouterRbac,
  kubeRouterUnit,
} from './realnodes/networkPolicyEnforcer';
import { DIGESTS_FILE, verifyBinaryDigests } from './trustedPaths';

/**
 * Starts the NetworkPolicy enforcer (realnodes/networkPolicyEnforcer.ts) in every real node, after their InternalIPs
 * are set, and annotates each node where it enforces: detection (src/kube/facts.ts) then reads the cluster as
 * enforcing, and the attack battery sends real traffic. Where it cannot (a node from an image without ipset, say)
 * the node is left unannotated and the reason logged: the battery then says "not enforceable", as before.
 */
export const kubeRouterBuildScript = path.join(repoRoot, 'scripts', 'testbed', 'build-kube-router.sh');

export function kubeRouterVersion(file = versionsFile): string {
  const spec = { kubeRouter: { key: 'KUBE_ROUTER_VERSION', pattern: /^v\d+\.\d+\.\d+$/ } };
  return parseVersionsEnv(fs.readFileSync(file, 'utf8'), spec, file).kubeRouter;
}

export function kubeRouterBinary(cache: string, version = kubeRouterVersion()): string {
  return path.join(cache, 'bin', `kube-router-${version}`, 'kube-router');
}

export interface EnforcerSetup {
  caCertPath: string;
  caKeyPath: string;
  tlsServerName: string;
  gateway: string;
  apiPort: number;
  /** How long each node may take to make its chains. */
  readyTimeoutMs?: number;
}

/** The binary's bytes, checked against the digest recorded when it was built (the bytes checked are the bytes copied). */
function verifiedBinary(binary: string): { bytes: Buffer; sha256: string } {
  verifyBinaryDigests([binary]);
  const bytes = fs.readFileSync(binary);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const record = fs.readFileSync(path.join(path.dirname(binary), DIGESTS_FILE), 'utf8');
  if (!record.split('\n').some((line) => line.trim() === `${sha256}  ${path.basename(binary)}`))
    throw new Error(`${binary} changed while it was read: refusing to copy it into the nodes`);
  return { bytes, sha256 };
}

async function ssh(ctx: RealNodesContext, node: TestbedNode, command: string, timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('ssh', [...nodeSshArgs(ctx.layout, node.address), command], { timeoutMs });
  return stdout;
}

/** Writes the node's certificate (once per cluster CA), kubeconfig, binary with its digest, and unit, into its rootfs. */
async function writeEnforcerFiles(
  ctx: RealNodesContext,
  node: TestbedNode,
  setup: EnforcerSetup,
  binary: { bytes: Buffer; sha256: string },
) {
  const nodeDir = path.join(realNodesDir(ctx.layout), 'nodes', node.name);
  const root = path.join(nodeDir, 'rootfs');
  if (!fs.existsSync(path.join(root, 'etc'))) throw new Error(`node ${node.name} has no rootfs at ${root}`);
  const marker = path.join(nodeDir, '.kube-router');
  const signedFor = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  if (signedFor !== caDigest(setup)) {
    const base = path.join(folderIn(root, 'etc/kubernetes/pki'), ENFORCER_CERTIFICATE.name);
    for (const file of [`${base}.crt`, `${base}.key`]) fs.rmSync(file, { force: true });
    const { name, subject, extensions } = ENFORCER_CERTIFICATE;
    const ca = { cert: setup.caCertPath, key: setup.caKeyPath };
    await signCertificate(ca, name, subject, extensions, { cert: `${base}.crt`, key: `${base}.key` }, { workDir: nodeDir });
    fs.chmodSync(`${base}.key`, 0o600);
    fs.writeFileSync(marker, `${caDigest(setup)}\n`, { mode: 0o644 });
  }
  writeNew(root, ENFORCER_KUBECONFIG.slice(1), kubeRouterKubeconfig(setup), 0o600);
  fs.chmodSync(folderIn(root, ENFORCER_DIR_IN_NODE.slice(1)), 0o700);
  writeNew(root, ENFORCER_BINARY_IN_NODE.slice(1), binary.bytes, 0o755);
  writeNew(root, ENFORCER_DIGEST_IN_NODE.slice(1), digestLine(binary.sha256), 0o600);
  writeNew(root, `etc/systemd/system/${ENFORCER_UNIT}`, kubeRouterUnit(node.name), 0o644);
  // Enabled: a node that reboots starts it again itself (its InternalIP is kept on the Node object).
  const wants = path.join(folderIn(root, 'etc/systemd/system/multi-user.target.wants'), ENFORCER_UNIT);
  fs.rmSync(wants, { force: true });
  fs.symlinkSync(`/etc/systemd/system/${ENFORCER_UNIT}`, wants);
}

/** Waits until the node enforces; the problems found last when it does not within the bound. */
async function awaitEnforcing(ctx: RealNodesContext, node: TestbedNode, timeoutMs: number): Promise<string[]> {
  let problems: string[] = [];
  try {
    await waitFor(
      `kube-router enforcing on ${node.name}`,
      async () => {
        problems = enforcerProblems(parseEnforcerCheck(await ssh(ctx, node, ENFORCER_CHECK)));
        // Missing software or settings do not come by waiting.
        if (problems.length > 0 && problems.some((p) => !/not active|has not made/.test(p))) return problems;
        return problems.length === 0 ? problems : undefined;
      },
      timeoutMs,
      1_000,
    );
  } catch {
    // the bound passed: `problems` says what was still missing
  }
  return problems;
}

/**
 * Builds (or finds cached) kube-router, grants it its reads, and starts it in each node; returns the nodes that
 * enforce. A node that does not is left without the annotation (and loses a stale one).
 */
export async function startNetworkPolicyEnforcer(ctx: RealNodesContext, kubectl: Kubectl, setup: EnforcerSetup): Promise<string[]> {
  const { layout, log } = ctx;
  const version = kubeRouterVersion();
  // Removing an annotation the node does not carry is no failure.
  const unannotate = (node: TestbedNode) =>
    kubectl(['annotate', 'node', node.name, `${ENFORCER_ANNOTATION}-`]).catch((e: unknown) => log(`${node.name}: ${(e as Error).message}`));
  let binary: { bytes: Buffer; sha256: string };
  try {
    await run('bash', [kubeRouterBuildScript], { env: { ...ctx.env, HARDENLAB_CACHE: ctx.cache }, timeoutMs: 60 * 60_000 });
    binary = verifiedBinary(kubeRouterBinary(ctx.cache, version));
  } catch (error) {
    log(`NetworkPolicy is not enforced on the real nodes: kube-router ${version} is not available (${(error as Error).message})`);
    for (const node of layout.instance.nodes) await unannotate(node);
    return [];
  }
  const rbac = path.join(realNodesDir(layout), 'kube-router-rbac.json');
  fs.writeFileSync(rbac, JSON.stringify(kubeRouterRbac(), null, 2), { mode: 0o644 });
  await kubectl(['apply', '-f', rbac]);
  const enforcing: string[] = [];
  for (const node of layout.instance.nodes) {
    await writeEnforcerFiles(ctx, node, setup, binary);
    await ssh(ctx, node, `systemctl daemon-reload && systemctl restart ${ENFORCER_UNIT}`);
  }
  for (const node of layout.instance.nodes) {
    const problems = await awaitEnforcing(ctx, node, setup.readyTimeoutMs ?? 120_000);
    if (problems.length > 0) {
      log(`real node ${node.name}: NetworkPolicy is not enforced: ${problems.join('; ')}`);
      await ssh(ctx, node, `systemctl stop ${ENFORCER_UNIT}`).catch(() => undefined); // no restart loop left behind
      await unannotate(node);
      continue;
    }
    await kubectl(['annotate', 'node', node.name, '--overwrite', `${ENFORCER_ANNOTATION}=kube-router/${version}`]);
    enforcing.push(node.name);
  }
  log(`NetworkPolicy enforced by kube-router ${version} on: ${enforcing.join(', ') || 'no node'}`);
  return enforcing;
}
