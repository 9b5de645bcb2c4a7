import { run, waitFor } from '../process/subprocess';
import { nodeSshArgs, type TestbedLayout, type TestbedNode } from './layout';
import { nodeIndex, realNodesDir, testbedNamespace, TESTBED_PROVIDER_ID_SCHEME, type RealNodesContext } from './realNodes';
import { forwardAlive, forwardIn, stopForward } from './realnodes/forwards';
import { nodeIp } from './realnodes/kubeletFiles';

export type Kubectl = (args: readonly string[]) => Promise<{ stdout: string }>;

/** How long a started node's kubelet may take to register: about 2 s alone, far more on a saturated host. */
export const REGISTRATION_TIMEOUT_MS = 180_000;

/**
 * Does for each registered node what a cloud controller would: sets its InternalIP to its loopback address
 * (forwarded to its kubelet inside the namespace, so the API server never dials the namespace's addresses from
 * the host), its pod CIDR, and lifts the `uninitialized` taint of `--cloud-provider=external`.
 */
export async function initializeRealNodes(ctx: RealNodesContext, kubectl: Kubectl, timeoutMs = REGISTRATION_TIMEOUT_MS): Promise<void> {
  const { layout } = ctx;
  const bed = { state: realNodesDir(layout), namespace: testbedNamespace(layout) };
  for (const node of layout.instance.nodes) {
    const index = nodeIndex(layout, node);
    await waitForRegistration(layout, node, kubectl, timeoutMs);
    // The API server dials the kubelet at its InternalIP (node.address on loopback), forwarded into the namespace.
    const forward = `kubelet-${node.name}`;
    if (!(await forwardAlive(bed, forward))) {
      await stopForward(bed, forward);
      await forwardIn(bed, forward, node.address, 10250, `${nodeIp(index)}:10250`);
    }
    const addresses = [{ type: 'InternalIP', address: node.address }, { type: 'Hostname', address: node.name }];
    // The test bed is the nodes' cloud provider (its load balancer serves LoadBalancer Services), as kind's is.
    const { stdout: providerID } = await kubectl(['get', 'node', node.name, '-o', 'jsonpath={.spec.providerID}']);
    if (providerID.trim() === '')
      await kubectl([
        'patch',
        'node',
        node.name,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { providerID: `${TESTBED_PROVIDER_ID_SCHEME}://${node.name}` } }),
      ]);
    await kubectl(['patch', 'node', node.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses } })]);
    const { stdout: cidr } = await kubectl(['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}']);
    if (cidr.trim() === '') {
      const podCIDR = `10.244.${index}.0/24`;
      await kubectl(['patch', 'node', node.name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR, podCIDRs: [podCIDR] } })]);
    }
    const { stdout: taints } = await kubectl(['get', 'node', node.name, '-o', 'jsonpath={.spec.taints[*].key}']);
    if (taints.includes('node.cloudprovider.kubernetes.io/uninitialized')) {
      await kubectl(['taint', 'node', node.name, 'node.cloudprovider.kubernetes.io/uninitialized-']);
    }
  }
}

/** Waits for the node object; on timeout the error carries what the node's systemd says of its kubelet. */
async function waitForRegistration(layout: TestbedLayout, node: TestbedNode, kubectl: Kubectl, timeoutMs: number): Promise<void> {
  try {
    await waitFor(`node ${node.name} to register`, async () => ((await nodeExists(kubectl, node.name)) ? true : undefined), timeoutMs, 500);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await kubeletDiagnostics(layout, node)}`);
  }
}

async function nodeExists(kubectl: Kubectl, name: string): Promise<boolean> {
  try {
    await kubectl(['get', 'node', name, '-o', 'name']);
    return true;
  } catch {
    return false;
  }
}

// A fixed command (nothing from outside goes into it) that exits 0 whatever state the units are in.
const DIAGNOSTICS =
  'systemctl --no-pager --lines=0 status containerd hardenlab-images kubelet; journalctl --no-pager -u kubelet -n 25; true';

/** The node's units and the kubelet's last log lines, read over SSH with the test bed's own key and host keys. */
export async function kubeletDiagnostics(layout: TestbedLayout, node: TestbedNode): Promise<string> {
  try {
    const { stdout } = await run('ssh', [...nodeSshArgs(layout, node.address), DIAGNOSTICS], { timeoutMs: 30_000 });
    return `${node.name}:\n${stdout.trim()}`;
  } catch (error) {
    return `${node.name}: ${(error as Error).message}`;
  }
}
