import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { repoRoot } from '../config/paths';
import type { TestbedLayout, TestbedNode } from './layout';
import { closureViolations, parseNamespaceEvidence } from './closure';
import { knownHostsLine } from './testbedManifests';
import { ownedPid, readPidFile, run, tcpGreeting, waitFor, type Log } from '../process/subprocess';
import { describeMissing } from './cgroupHost';
import { detectCgroupHost } from './cgroupHostRecord';
import { nodeCgroupMode, nodeCgroupUsage, realNodesOnCgroupV1 } from './realNodeCgroups';
import { realNodeSize } from './configInForce';
import { kubeletSigningState, writeNodeKubelet } from './realnodes/kubeletSetup';
import { nodeIp, reservedCpuMilli } from './realnodes/kubeletFiles';
import { bedNetworkDown, bedNetworkUp } from './realnodes/network';
import type { NodeBed } from './realnodes/nodeBed';
import { createNode } from './realnodes/nodeCreate';
import { nodeStart, nodeStop, removeNodeCgroupParents } from './realnodes/nodeLifecycle';
import { registryUp } from './realnodes/registry';
import { forwardIn } from './realnodes/forwards';
import { readNamespaceEvidence } from './realnodes/namespaceEvidence';
import { loadBalancerDown, loadBalancerUp as startLoadBalancer } from './realnodes/loadBalancerProcess';

/**
 * Real nodes: Debian system containers (systemd-nspawn + lxcfs) with their own cgroups (default 1 CPU, 2 GiB) and
 * network namespace, on a bridge inside a network namespace the test bed creates and closes. The privileged
 * plumbing is realnodes/ (one job a file); this module drives it for a test bed's layout.
 */
export const nodeImageScript = path.join(repoRoot, 'scripts', 'testbed', 'build-node-image.sh');
export const nodeImagesScript = path.join(repoRoot, 'scripts', 'testbed', 'build-node-images.sh');
export const toolImagesScript = path.join(repoRoot, 'scripts', 'testbed', 'build-tool-images.sh');

/** The bridge inside the namespace that every node's veth joins (realnodes/network.ts creates it). */
export const TESTBED_BRIDGE = 'hlbr0';
/** The bridge's own address: the namespace's end of the API server forward, and the registry's. */
export const TESTBED_GATEWAY = '10.77.0.1';

export interface RealNodesContext {
  layout: TestbedLayout;
  cache: string;
  log: Log;
  /** The launcher's environment, which the image build scripts start from. */
  env: NodeJS.ProcessEnv;
}

export interface RealNodeStatus {
  name: string;
  address: string;
  pid?: number;
  running: boolean;
  /** CPU time the node (everything in its cgroup) has used since it started, from cpuacct. */
  cpuSeconds?: number;
  /** Memory charged to the node's cgroup now. */
  memoryBytes?: number;
}

/** Where the real nodes keep their state (rootfs copies, pid files, forwards), inside the test bed folder. */
export function realNodesDir(layout: TestbedLayout): string {
  return path.join(layout.testbedDir, 'real');
}

/** The network namespace of one test bed: named after its cluster so two test beds never share one. */
export function testbedNamespace(layout: TestbedLayout): string {
  return `hardenlab-${layout.instance.clusterName}`;
}

/** The providerID scheme of the real nodes: the test bed acts as their cloud provider. */
export const TESTBED_PROVIDER_ID_SCHEME = 'hardenlab';

/** A node's index (1-based) decides its address inside the namespace (10.77.0.<10+i>) and its pod CIDR. */
export function nodeIndex(layout: TestbedLayout, node: TestbedNode): number {
  return layout.instance.nodes.findIndex((candidate) => candidate.name === node.name) + 1;
}

/** The bed as realnodes/ needs it: folder, namespace, bridge, cgroups, and the node size in force. */
export function nodeBedOf(layout: TestbedLayout): NodeBed {
  const { cpuMilli, memoryBytes, registryPort } = realNodeSize(layout);
  if (memoryBytes === undefined) throw new Error(`the test bed's configuration in ${layout.testbedDir} gives real nodes no memory size`);
  const [state, namespace, cgroups] = [realNodesDir(layout), testbedNamespace(layout), nodeCgroupMode(layout)];
  return { state, namespace, bridge: TESTBED_BRIDGE, gateway: TESTBED_GATEWAY, cgroups, cpuMilli, memoryBytes, registryPort };
}

/** Why real nodes cannot run here (each missing piece and what to do: cgroupHost.ts), or undefined when they can (v1 or v2). */
export function realNodesUnsupported(): string | undefined {
  const verdict = detectCgroupHost();
  return verdict.ok ? undefined : describeMissing(verdict);
}

/** Runs a build script of the node image or images; its last line of output is what it built. */
export async function buildInCache(ctx: RealNodesContext, file: string): Promise<string> {
  const { stdout, stderr } = await run('bash', [file], { env: { ...ctx.env, HARDENLAB_CACHE: ctx.cache }, timeoutMs: 30 * 60_000 });
  for (const line of stderr.split('\n')) if (line.trim()) ctx.log(line);
  return stdout.trim().split('\n').pop() ?? '';
}

/** Builds (or finds in the cache) the node image and returns its rootfs path. */
export async function ensureNodeImage(ctx: RealNodesContext): Promise<string> {
  const rootfs = await buildInCache(ctx, nodeImageScript);
  if (!fs.existsSync(path.join(rootfs, 'etc', 'os-release')))
    throw new Error(`${nodeImageScript} printed no usable rootfs (got '${rootfs}')`);
  return rootfs;
}

/** Builds (or finds in the cache) the container images the nodes import, and returns their folder. */
export async function ensureNodeImages(ctx: RealNodesContext): Promise<string> {
  const dir = await buildInCache(ctx, nodeImagesScript);
  if (!fs.existsSync(path.join(dir, 'pause.tar'))) throw new Error(`${nodeImagesScript} printed no usable folder (got '${dir}')`);
  return dir;
}

/** Builds (or finds in the cache) the security tools' images (kube-bench's Job image), and returns their folder. */
export async function ensureToolImages(ctx: RealNodesContext): Promise<string> {
  const dir = await buildInCache(ctx, toolImagesScript);
  if (!fs.existsSync(path.join(dir, 'push', 'kube-bench.tar')))
    throw new Error(`${toolImagesScript} printed no usable folder (got '${dir}')`);
  return dir;
}

function nodePidFile(layout: TestbedLayout, node: TestbedNode): string {
  return path.join(realNodesDir(layout), 'pids', `node-${node.name}.pid`);
}

export function realNodeStatus(layout: TestbedLayout, node: TestbedNode): RealNodeStatus {
  // Only while the pid still runs this node's launcher (its command line names the node's rootfs).
  const rootfs = path.join(realNodesDir(layout), 'nodes', node.name, 'rootfs');
  const owned = ownedPid(nodePidFile(layout, node), (command) => command.includes(` -D ${rootfs} `));
  const running = owned !== undefined;
  const status: RealNodeStatus = { name: node.name, address: node.address, pid: owned ?? readPidFile(nodePidFile(layout, node)), running };
  if (!running) return status;
  const usage = nodeCgroupUsage(layout, testbedNamespace(layout), node.name);
  if (usage.cpuSeconds !== undefined) status.cpuSeconds = usage.cpuSeconds;
  status.memoryBytes = usage.memoryBytes;
  return status;
}

const SSH_WAIT_MS = 300_000; // at least, for a node's copy and its sshd: 1.3 s natively, minutes in a TCG guest

/**
 * Creates and boots every node (reusing those that run), then waits for each node's sshd through its loopback
 * forward (sshWaitMs for each copy and sshd, at least SSH_WAIT_MS). The API server's port is forwarded in.
 */
export async function realNodesUp(ctx: RealNodesContext, image: string, kubelets?: KubeletSetup, sshWaitMs = SSH_WAIT_MS): Promise<void> {
  const { layout, log } = ctx;
  const bed = nodeBedOf(layout);
  await bedNetworkUp({ ...bed, apiPort: layout.instance.ports.kubeApiserver }, log);
  if (kubelets && kubelets.registryDirs) await registryUp(bed, [kubelets.imagesDir, ...kubelets.registryDirs], log);
  const files = { image, authorizedKeys: layout.authorizedKeysPath, copyTimeoutMs: Math.max(SSH_WAIT_MS, sshWaitMs) }; // 1-5 min under TCG
  for (const node of layout.instance.nodes) await createNode(bed, { name: node.name, index: nodeIndex(layout, node) }, files, ctx.env);
  if (kubelets) await prepareKubelets(ctx, kubelets);
  const folders = kubelets
    ? { kubeletDir: kubelets.kubeletDir, imagesDir: kubelets.imagesDir, kubeHunterSitePackages: kubelets.kubeHunterSitePackages }
    : {};
  for (const node of layout.instance.nodes) {
    if (realNodeStatus(layout, node).running) continue;
    const index = nodeIndex(layout, node);
    nodeStart(bed, { name: node.name, index, address: node.address }, folders, log);
    await forwardIn(bed, `ssh-${node.name}`, node.address, 22, `${nodeIp(index)}:22`);
    log(`node ${node.name} started: ${nodeIp(index)} in ${bed.namespace}, sshd forwarded from ${node.address}:22`);
  }
  for (const node of layout.instance.nodes) {
    await waitFor(
      `sshd of real node ${node.name} on ${node.address}:22`,
      async () => ((await sshAnswers(node.address)) ? true : undefined),
      Math.max(SSH_WAIT_MS, sshWaitMs),
      200,
    );
  }
  writeRealKnownHosts(layout);
  log(`real nodes up: ${layout.instance.nodes.map((node) => `${node.name} (${node.address})`).join(', ')}`);
}

/** True once an SSH server greets on the address (a forward alone accepts and closes at once). */
async function sshAnswers(address: string): Promise<boolean> {
  return (await tcpGreeting(address, 22, 4, 2_000)).startsWith('SSH-');
}

function writeRealKnownHosts(layout: TestbedLayout): void {
  const lines = layout.instance.nodes.map((node) => {
    const key = path.join(realNodesDir(layout), 'nodes', node.name, 'rootfs', 'etc', 'ssh', 'ssh_host_ed25519_key.pub');
    return knownHostsLine(node.address, 22, fs.readFileSync(key, 'utf8'));
  });
  writeFileAtomic.sync(layout.knownHostsPath, `${lines.join('\n')}\n`, { mode: 0o644 });
}

/** Powers every node off, removes their cgroups, forwards, lxcfs and the namespace. */
export async function realNodesDown(ctx: RealNodesContext): Promise<string[]> {
  const stopped = ctx.layout.instance.nodes
    .filter((node) => realNodeStatus(ctx.layout, node).running)
    .map((node) => `real node ${node.name}`);
  // In parallel: each node shuts down its own systemd (kubelet, containerd, pods) in its own time.
  const bed = nodeBedOf(ctx.layout);
  await Promise.all(ctx.layout.instance.nodes.map((node) => nodeStop(bed, node.name)));
  await loadBalancerDown(bed);
  if (fs.existsSync(bed.state) || fs.existsSync(`/run/netns/${bed.namespace}`)) {
    await bedNetworkDown(bed);
    removeNodeCgroupParents(bed);
  }
  return stopped;
}

/**
 * The namespace's configuration (realnodes/namespaceEvidence.ts): routes, links, forwarding and firewall rules, and the
 * host's links (any with a peer inside). `namespace` reads another namespace (default: the test bed's).
 */
export async function readNamespaceConfig(
  ctx: RealNodesContext,
  namespace = testbedNamespace(ctx.layout),
): Promise<Record<string, unknown>> {
  return readNamespaceEvidence(namespace, ctx.env);
}

/**
 * What would let traffic leave a network namespace (default routes, gateways, NAT, forwarding, links to the host),
 * read from its configuration only: nothing is sent. Empty when the namespace is closed.
 */
export async function namespaceClosureViolations(namespace: string, env: NodeJS.ProcessEnv, bridge = TESTBED_BRIDGE): Promise<string[]> {
  const raw = await readNamespaceEvidence(namespace, env);
  return closureViolations(parseNamespaceEvidence(raw, bridge));
}

/**
 * The load balancer's addresses: nine on host loopback, 60 above the first node's own (127.0.0.71–79 for the
 * default test bed's 127.0.0.11), so two test beds never share one.
 */
export function loadBalancerPool(layout: TestbedLayout): string[] {
  const first = Number(layout.instance.nodes[0]?.address.split('.')[3] ?? 11);
  return Array.from({ length: 9 }, (_, i) => `127.0.0.${first + 60 + i}`);
}

/** Starts the test bed's load balancer (realnodes/loadBalancer.ts): LoadBalancer Services get a pool address, forwarded in. */
export function loadBalancerUp(ctx: RealNodesContext): void {
  startLoadBalancer(
    {
      state: realNodesDir(ctx.layout),
      namespace: testbedNamespace(ctx.layout),
      kubeconfigPath: ctx.layout.kubeconfigPath,
      pool: loadBalancerPool(ctx.layout),
      target: nodeIp(1),
    },
    ctx.log,
  );
}

export interface KubeletSetup {
  /** The cluster CA (certificate and key) that signs each node's client certificate. */
  caCertPath: string;
  caKeyPath: string;
  /** A name in the API server's serving certificate (nodes dial it through the namespace's forward). */
  tlsServerName: string;
  /** Folder with kubelet (bound read-only into every node). */
  kubeletDir: string;
  /** build-node-images.sh's folder: tarballs each node imports at boot, the registry and what it serves. */
  imagesDir: string;
  /** More folders whose push/*.tar the registry serves (build-tool-images.sh's); false: no registry at all. */
  registryDirs: readonly string[] | false;
  /** The worker's kube-hunter packages, bound read-only into every node for `--interface` (its wrapper runs them). */
  kubeHunterSitePackages?: string;
}

/**
 * Writes each node's kubelet files (before its first boot); the kubelet starts with the node. A node whose
 * certificates were signed by an older cluster CA is stopped if it runs, then gets new ones (realNodesUp boots it).
 */
export async function prepareKubelets(ctx: RealNodesContext, setup: KubeletSetup): Promise<void> {
  const { layout } = ctx;
  const { cpuMilli } = realNodeSize(layout);
  const cgroupV1 = realNodesOnCgroupV1(layout);
  for (const node of layout.instance.nodes) {
    const paths = { nodeDir: path.join(realNodesDir(layout), 'nodes', node.name), ...setup };
    const signing = kubeletSigningState(paths);
    if (signing === 'current') continue;
    if (signing === 'resign' && realNodeStatus(layout, node).running) {
      ctx.log(`real node ${node.name}: certificates signed again for the new cluster CA; restarting it`);
      await nodeStop(nodeBedOf(layout), node.name);
    }
    const { name } = node;
    const [index, nodeCount, apiPort] = [nodeIndex(layout, node), layout.instance.nodes.length, layout.instance.ports.kubeApiserver];
    const { tlsServerName } = setup;
    const size = { cgroupV1, reservedCpuMilli: reservedCpuMilli(cpuMilli) };
    const input = { name, index, nodeCount, gateway: TESTBED_GATEWAY, apiPort, tlsServerName, ...size };
    await writeNodeKubelet(paths, input, node.address);
  }
}
