import * as fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import writeFileAtomic from 'write-file-atomic';
import { cacheDir, hardenlabHome } from '../config/paths';
import { nodeMapSchema } from '../config/nodeMap';
import {
  apiReady,
  clusterComponents,
  createCluster,
  deleteCluster,
  ensureNodes,
  keepComponentsRunning,
  leftoverProcesses,
  waitClusterReady,
  type ClusterContext,
  type ComponentStatus,
} from './kwokCluster';
import { apiServerUrl, testbedLayout, type TestbedInstance, type TestbedLayout } from './layout';
import { ensureApiForwards, pointKubeconfigAtApiAddress, stopApiForwards } from './apiForwards';
import { recordedTestbedInstance, recordTestbedInstance } from './instanceRecord';
import { buildNodeMap } from './testbedManifests';
import {
  ensureClientKey,
  ensureUnprivilegedUser,
  nodeHostStatus,
  removeNodeHostKeys,
  startNodeHost,
  stopNodeHost,
  writeKnownHosts,
} from './nodeHosts';
import { assertTrustedCache, verifyBinaryDigests } from './trustedPaths';
import { stopProcess, type Log } from '../process/subprocess';
import { withTestbedLock } from './testbedLock';

export { withTestbedLock } from './testbedLock';
import { readNodeKind, realNodesContext, startRealNodes, type NodeKind } from './nodeKind';
import { realNodeStatus, realNodesDir, realNodesDown, TESTBED_GATEWAY, testbedNamespace, type RealNodeStatus } from './realNodes';
import { readCgroupPlan, realNodesPlanOrThrow, writeCgroupPlan } from './realNodeCgroups';
import { describeCgroupPlan, type CgroupPlan } from './cgroupHost';
import { binaryPaths, missingBinaries, readVersions, runBuild } from './buildVersions';
import { configInstance, type TestbedConfig } from './testbedConfig';
import { configForInstance, readConfigInForce, writeConfigInForce } from './configInForce';

export interface TestbedOptions {
  /** The launcher's environment: the test bed's programs start from it, and it places the default folders. */
  env: NodeJS.ProcessEnv;
  /** Data folder (default hardenlabHome(env)); the test bed lives in its sim/ subfolder. */
  home?: string;
  /** Binary cache (default cacheDir(env)). */
  cache?: string;
  /** Progress lines (build output included). Default: silent. */
  log?: Log;
  /**
   * Addresses and ports (default: the one recorded in the data folder, else the default test bed, API
   * 127.0.0.1:6443, nodes 127.0.0.11-13). `testbedUp` records the one it is given.
   */
  instance?: TestbedInstance;
}

export interface TestbedUpOptions extends TestbedOptions {
  /** Build missing binaries with scripts/testbed/build.sh (default true); false fails instead. */
  build?: boolean;
  /** How long to wait for /readyz and Ready nodes (default 3 minutes). */
  readyTimeoutMs?: number;
  /** `kwok` (default): simulated nodes with sshd hosts on this machine; `real`: system containers with a kubelet. */
  nodes?: NodeKind;
  /** A test bed file (`testbed up --config`): node kind, count and size, addresses and ports; its instance is recorded. */
  config?: TestbedConfig;
  /** Real nodes only, without the node network's registry and load balancer (startRealNodes' `minimal`). */
  minimal?: boolean;
}

export interface TestbedUpResult {
  kubeconfigPath: string;
  nodeMapPath: string;
  apiServerUrl: string;
  nodeNames: string[];
  privateKeyPath: string;
  knownHostsPath: string;
  /** True when this call started the control plane or a node host; false when all of it was reused. */
  started: boolean;
  durationMs: number;
  /** Real nodes: the closed network namespace they sit in (for tools.kubeHunter.subnetProbes.closedNamespace). */
  closedNamespace?: string;
}

export interface TestbedStatusResult {
  /** Every control plane component and node host runs and the API answers /readyz. */
  running: boolean;
  /** The kind of nodes the test bed was started with. */
  nodes?: NodeKind;
  /** The configuration it was started with (undefined before its first start). */
  config?: TestbedConfig;
  /** Real nodes: the cgroup hierarchy (v1 or v2) and delegation they use. */
  cgroup?: CgroupPlan;
  apiReady: boolean;
  apiServerUrl: string;
  components: ComponentStatus[];
  /** sshd hosts (kwok) or real nodes, with their CPU and memory use (real). */
  nodeHosts: RealNodeStatus[];
  kubeconfigPath?: string;
  nodeMapPath?: string;
}

export interface TestbedDownResult {
  /** What was stopped: control plane components and node hosts. */
  stopped: string[];
  /** Processes still pointing into the test bed folder after stopping (empty on success). */
  leftover: { pid: number; command: string }[];
}

const silent: Log = () => undefined;

function contextFor(options: TestbedOptions & { config?: TestbedConfig }): { ctx: ClusterContext; home: string; cache: string } {
  const home = options.home ?? hardenlabHome(options.env);
  const cache = options.cache ?? cacheDir(options.env);
  const versions = readVersions();
  const instance = options.instance ?? (options.config && configInstance(options.config)) ?? recordedTestbedInstance(home);
  const log = options.log ?? silent;
  return {
    ctx: { layout: testbedLayout(home, instance), binaries: binaryPaths(versions, cache), versions, log, env: options.env },
    home,
    cache,
  };
}

function clusterRunning(layout: TestbedLayout): boolean {
  const components = clusterComponents(layout);
  return components.length > 0 && components.every((component) => component.running);
}

/**
 * Starts the test bed, or reuses the running one: builds missing binaries, starts one sshd per node
 * host, starts the kwokctl cluster, registers the configured KWOK nodes (or boots real ones), waits for /readyz and Ready nodes, and writes
 * the kubeconfig and the node map under `<home>/sim/`.
 */
export async function testbedUp(options: TestbedUpOptions): Promise<TestbedUpResult> {
  const began = Date.now();
  const { ctx, home, cache } = contextFor(options);
  const { layout, log } = ctx;
  return withTestbedLock(home, async () => {
    // Root runs what the cache holds: only a cache no one else can write, and binaries that match their digests.
    fs.mkdirSync(cache, { recursive: true, mode: 0o755 });
    assertTrustedCache(cache);
    let missing = missingBinaries(ctx.binaries);
    if (missing.length > 0) {
      if (options.build === false) throw new Error(`test bed binaries missing (run scripts/testbed/build.sh): ${missing.join(', ')}`);
      log(`building test bed binaries into ${cache} (cold: many minutes)`);
      await runBuild(cache, log, ctx.env);
      missing = missingBinaries(ctx.binaries);
      if (missing.length > 0) throw new Error(`build.sh finished but binaries are missing: ${missing.join(', ')}`);
    }
    verifyBinaryDigests(Object.values(ctx.binaries));

    if (options.config && options.nodes && options.config.nodes.kind !== options.nodes) {
      throw new Error(`${options.config.source}: nodes.kind: ${options.config.nodes.kind}, but --nodes ${options.nodes} was given`);
    }
    // Without a file, the configuration in force (sizes, registry) holds while it describes this instance.
    const inForce = readConfigInForce(layout);
    const wanted = options.nodes ?? 'kwok';
    const keep = inForce && isDeepStrictEqual(configInstance(inForce), layout.instance) && wanted === inForce.nodes.kind;
    const config = options.config ?? (keep ? inForce : configForInstance(layout.instance, wanted, ctx.versions.kubernetes));
    const kind = config.nodes.kind;
    // Real nodes: the cgroup hierarchy and delegation this host allows, or every missing piece and what to do.
    const cgroupPlan = kind === 'real' ? realNodesPlanOrThrow() : undefined;
    if (cgroupPlan) log(describeCgroupPlan(cgroupPlan));
    const runningKind = readNodeKind(layout);
    if (runningKind !== undefined && runningKind !== kind && clusterRunning(layout)) {
      throw new Error(`the test bed runs ${runningKind} nodes; stop it first (hardenlab testbed down), then start it with --nodes ${kind}`);
    }
    let started = false;
    const recorded = recordedTestbedInstance(home);
    if (recorded && !isDeepStrictEqual(recorded, layout.instance) && clusterRunning(testbedLayout(home, recorded))) {
      const hint = 'stop it first (hardenlab testbed down)';
      throw new Error(`test bed ${recorded.clusterName} runs in ${home} with other addresses or ports; ${hint}`);
    }
    if (options.instance || options.config) recordTestbedInstance(home, layout.instance);
    fs.mkdirSync(layout.testbedDir, { recursive: true });
    await ensureClientKey(layout, log);
    if (kind === 'kwok') {
      await ensureUnprivilegedUser(log);
      for (const node of layout.instance.nodes) {
        if (!nodeHostStatus(node, layout).running) started = true;
        await startNodeHost(node, layout, log);
      }
      writeKnownHosts(layout.instance.nodes, layout);
    }

    const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
    await ensureApiForwards(layout, log);
    // Never recreated while any of its processes run: other runs may be using it (a new CA would break their
    // kubeconfigs), and a slow /readyz on a busy machine is not a broken cluster. Waited for, and what stopped
    // is started again.
    const components = clusterComponents(layout);
    if (components.some((component) => component.running)) {
      await keepComponentsRunning(ctx, readyTimeoutMs).catch((error: unknown) => {
        throw new Error(
          `the running cluster at ${apiServerUrl(layout.instance)} did not become ready (${(error as Error).message}); stop it with ` +
            `hardenlab testbed down`,
        );
      });
      log(`reusing the running cluster at ${apiServerUrl(layout.instance)}`);
    } else {
      started = true;
      await createCluster(ctx, kind === 'real' ? { advertiseAddress: TESTBED_GATEWAY, kubeletClientCertificate: true } : {});
      await keepComponentsRunning(ctx, readyTimeoutMs);
    }
    pointKubeconfigAtApiAddress(layout);
    writeConfigInForce(layout, config);
    if (kind === 'real') {
      if (cgroupPlan) writeCgroupPlan(layout, cgroupPlan);
      if (layout.instance.nodes.some((node) => !realNodeStatus(layout, node).running)) started = true;
      await startRealNodes(ctx, cache, { minimal: options.minimal === true, waitMs: readyTimeoutMs });
    } else {
      await ensureNodes(ctx, layout.instance.nodes, { cpu: String(config.nodes.cpu), memory: config.nodes.memory });
    }
    await waitClusterReady(ctx, layout.instance.nodes, readyTimeoutMs);

    const nodeMap = nodeMapSchema.parse(buildNodeMap(layout.instance.nodes, layout, 'root', kind === 'real'));
    writeFileAtomic.sync(layout.nodeMapPath, stringify(nodeMap));
    log(`test bed ready (${kind} nodes): kubeconfig ${layout.kubeconfigPath}, node map ${layout.nodeMapPath}`);
    return {
      kubeconfigPath: layout.kubeconfigPath,
      nodeMapPath: layout.nodeMapPath,
      apiServerUrl: apiServerUrl(layout.instance),
      nodeNames: layout.instance.nodes.map((node) => node.name),
      privateKeyPath: layout.privateKeyPath,
      knownHostsPath: layout.knownHostsPath,
      started,
      durationMs: Date.now() - began,
      ...(kind === 'real' ? { closedNamespace: testbedNamespace(layout) } : {}),
    };
  });
}

/** Stops every process the test bed started (control plane and node hosts) and removes `<home>/sim/`. */
export async function testbedDown(options: TestbedOptions): Promise<TestbedDownResult> {
  const { ctx, home, cache } = contextFor(options);
  const { layout, log } = ctx;
  return withTestbedLock(home, async () => {
    const stopped: string[] = [];
    if (fs.existsSync(realNodesDir(layout))) stopped.push(...(await realNodesDown(realNodesContext(ctx, cache))));
    const components = clusterComponents(layout).filter((component) => component.running);
    if (fs.existsSync(layout.kwokClusterDir) && missingBinaries(ctx.binaries).length === 0) {
      log('stopping the control plane (kwokctl delete cluster)');
      try {
        assertTrustedCache(cache);
        verifyBinaryDigests([ctx.binaries.kwokctl]);
        await deleteCluster(ctx);
      } catch (error) {
        log(`kwokctl delete cluster failed, stopping by pid: ${(error as Error).message}`);
      }
    }
    for (const component of components) {
      if (component.pid !== undefined) await stopProcess(component.pid);
      stopped.push(component.name);
    }
    for (const node of layout.instance.nodes) {
      if (nodeHostStatus(node, layout).running) stopped.push(`sshd ${node.name}`);
      await stopNodeHost(node, layout, log);
    }
    stopped.push(...(await stopApiForwards(layout, log)));
    removeNodeHostKeys(layout);
    // Anything else still pointing into the test bed folder was started by the test bed too.
    for (const { pid, command } of leftoverProcesses(layout)) {
      log(`stopping leftover pid ${pid}: ${command}`);
      await stopProcess(pid);
    }
    const leftover = leftoverProcesses(layout);
    if (leftover.length === 0) fs.rmSync(layout.testbedDir, { recursive: true, force: true });
    const left = leftover.map((p) => p.pid).join(', ');
    log(leftover.length === 0 ? `test bed stopped; removed ${layout.testbedDir}` : `processes left: ${left}`);
    return { stopped, leftover };
  });
}

/** What runs: control plane components (from kwokctl's pid files), node hosts, and whether the API is ready. */
export async function testbedStatus(options: TestbedOptions): Promise<TestbedStatusResult> {
  const { ctx } = contextFor(options);
  const { layout } = ctx;
  const components = clusterComponents(layout);
  const nodes = readNodeKind(layout);
  const nodeHosts = layout.instance.nodes.map((node) => (nodes === 'real' ? realNodeStatus(layout, node) : nodeHostStatus(node, layout)));
  const ready = missingBinaries(ctx.binaries).length === 0 && (await apiReady(ctx));
  const cgroup = nodes === 'real' ? readCgroupPlan(layout) : undefined;
  const config = readConfigInForce(layout);
  return {
    nodes,
    ...(config ? { config } : {}),
    ...(cgroup ? { cgroup } : {}),
    running: ready && components.length > 0 && components.every((c) => c.running) && nodeHosts.every((n) => n.running),
    apiReady: ready,
    apiServerUrl: apiServerUrl(layout.instance),
    components,
    nodeHosts,
    kubeconfigPath: fs.existsSync(layout.kubeconfigPath) ? layout.kubeconfigPath : undefined,
    nodeMapPath: fs.existsSync(layout.nodeMapPath) ? layout.nodeMapPath : undefined,
  };
}
