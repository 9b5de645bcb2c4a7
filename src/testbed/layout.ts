import * as path from 'node:path';
import { hardenlabHome } from '../config/paths';
import { consecutiveAddresses, DEFAULT_NODES, DEFAULT_PORTS, DEFAULT_TESTBED_NAME, STANDARD_PORTS } from './testbedConfig';

/** The simulated nodes: one KWOK node each, with its SSH host on its own loopback address. */
export interface TestbedNode {
  name: string;
  /** Loopback address of the node's sshd; also the node's InternalIP in Kubernetes. */
  address: string;
}

export { STANDARD_PORTS } from './testbedConfig';

export const TESTBED_CLUSTER_NAME = DEFAULT_TESTBED_NAME;
/** kwokctl's binary runtime reaches etcd and writes kubeconfigs on 127.0.0.1 whatever else it binds. */
export const TESTBED_BIND_ADDRESS = '127.0.0.1';
export const TESTBED_API_SERVER_URL = `https://${TESTBED_BIND_ADDRESS}:${DEFAULT_PORTS.kubeApiserver}`;

export interface TestbedPorts {
  kubeApiserver: number;
  etcd: number;
  etcdPeer: number;
  kubeControllerManager: number;
  kubeScheduler: number;
  kwokController: number;
  ssh: number;
}

/**
 * Which addresses and ports one test bed uses. The shared test bed is DEFAULT_TESTBED_INSTANCE; a test may
 * start a second, disjoint one (other ports, other node addresses, its own data folder) to exercise
 * `testbed down` without disturbing the shared one.
 */
export interface TestbedInstance {
  clusterName: string;
  ports: TestbedPorts;
  nodes: readonly TestbedNode[];
  /**
   * A loopback address of this instance's own where its API server and etcd also answer on the standard ports
   * (6443, 2379), forwarded to its own ports on 127.0.0.1: kube-hunter --remote probes only those, and must find
   * this test bed's and nobody else's. Clients reach the API server there too (the kubeconfig names it).
   */
  apiAddress?: string;
}

/** `count` nodes named `<prefix>-1…` on consecutive loopback addresses from 127.0.0.<firstOctet>, for a test bed instance of its own. */
export function numberedNodes(prefix: string, firstOctet: number, count = 3): TestbedNode[] {
  return consecutiveAddresses(`127.0.0.${firstOctet}`, count).map((address, i) => ({ name: `${prefix}-${i + 1}`, address }));
}

/** The shared test bed: the default configuration's (testbedConfig.ts), API 127.0.0.1:6443, nodes sim-node-1..3 on 127.0.0.11-13. */
export const DEFAULT_TESTBED_INSTANCE: TestbedInstance = {
  clusterName: TESTBED_CLUSTER_NAME,
  ports: { ...DEFAULT_PORTS },
  nodes: consecutiveAddresses(DEFAULT_NODES.firstAddress, DEFAULT_NODES.count).map((address, i) => ({
    name: `${DEFAULT_NODES.namePrefix}-${i + 1}`,
    address,
  })),
};

export function apiServerUrl(instance: TestbedInstance): string {
  return instance.apiAddress
    ? `https://${instance.apiAddress}:${STANDARD_PORTS.kubeApiserver}`
    : `https://${TESTBED_BIND_ADDRESS}:${instance.ports.kubeApiserver}`;
}
/** A non-root login on every node host with the same key and no sudo rights. */
export const TESTBED_UNPRIVILEGED_USER = 'hardenlab';

/** Where the test bed keeps its state, all under `<hardenlab home>/sim/` (removed by `testbed down`). */
export interface TestbedLayout {
  instance: TestbedInstance;
  testbedDir: string;
  kubeconfigPath: string;
  nodeMapPath: string;
  /** KWOK_WORKDIR for kwokctl: its clusters/<name>/ folder holds pki, pids, logs and etcd data. */
  kwokWorkdir: string;
  kwokClusterDir: string;
  kwokctlConfigPath: string;
  sshDir: string;
  privateKeyPath: string;
  publicKeyPath: string;
  knownHostsPath: string;
  authorizedKeysPath: string;
  nodeDir(nodeName: string): string;
}

export function testbedLayout(home: string = hardenlabHome(), instance: TestbedInstance = DEFAULT_TESTBED_INSTANCE): TestbedLayout {
  const testbedDir = path.join(home, 'sim');
  const sshDir = path.join(testbedDir, 'ssh');
  const kwokWorkdir = path.join(testbedDir, 'kwok');
  return {
    instance,
    testbedDir,
    kubeconfigPath: path.join(testbedDir, 'kubeconfig'),
    nodeMapPath: path.join(testbedDir, 'nodes.yaml'),
    kwokWorkdir,
    kwokClusterDir: path.join(kwokWorkdir, 'clusters', instance.clusterName),
    kwokctlConfigPath: path.join(testbedDir, 'kwokctl.yaml'),
    sshDir,
    privateKeyPath: path.join(sshDir, 'id_ed25519'),
    publicKeyPath: path.join(sshDir, 'id_ed25519.pub'),
    knownHostsPath: path.join(sshDir, 'known_hosts'),
    authorizedKeysPath: path.join(sshDir, 'authorized_keys'),
    nodeDir: (nodeName) => path.join(testbedDir, 'nodes', nodeName),
  };
}

/**
 * The ssh client's arguments for root on a test-bed node: the test bed's own key, its known_hosts, and no
 * prompt (an unknown or changed host key fails instead).
 */
export function nodeSshArgs(keys: { privateKeyPath: string; knownHostsPath: string }, address: string): string[] {
  return [
    '-i',
    keys.privateKeyPath,
    '-o',
    `UserKnownHostsFile=${keys.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    `root@${address}`,
  ];
}
