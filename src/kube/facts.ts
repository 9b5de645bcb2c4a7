import type { ClusterFacts, ClusterRef } from '../domain/contracts';
import type { KubeClient, KubeObject } from './kubeObjects';

/** Known network plugins, by the names of their kube-system DaemonSets/pods, and whether they enforce NetworkPolicy. */
const CNI_PATTERNS: { name: string; pattern: RegExp; enforcesNetworkPolicy: boolean }[] = [
  { name: 'calico', pattern: /calico/, enforcesNetworkPolicy: true },
  { name: 'cilium', pattern: /cilium/, enforcesNetworkPolicy: true },
  { name: 'canal', pattern: /canal/, enforcesNetworkPolicy: true },
  { name: 'weave', pattern: /weave/, enforcesNetworkPolicy: true },
  { name: 'antrea', pattern: /antrea/, enforcesNetworkPolicy: true },
  { name: 'kube-router', pattern: /kube-router/, enforcesNetworkPolicy: true },
  { name: 'ovn-kubernetes', pattern: /ovnkube|ovn-kubernetes/, enforcesNetworkPolicy: true },
  { name: 'flannel', pattern: /flannel/, enforcesNetworkPolicy: false },
  { name: 'kindnet', pattern: /kindnet/, enforcesNetworkPolicy: false },
  { name: 'aws-vpc-cni', pattern: /^aws-node/, enforcesNetworkPolicy: false },
  { name: 'azure-cni', pattern: /azure-cni|azure-npm/, enforcesNetworkPolicy: true },
];

/** Load-balancer controllers, by pod name, and cloud providers, by node providerID scheme. */
const LB_CONTROLLER_PODS = new RegExp(
  [
    ...['metallb', 'kube-vip', 'svclb', 'cloud-controller-manager', 'ccm-linode', 'linode-cloud-controller'],
    ...['aws-load-balancer', 'openelb', 'purelb', 'loadbalancer-controller'],
  ].join('|'),
);
// kind (cloud-provider-kind) and hardenlab (the real-node test bed, src/testbed/realnodes/loadBalancer.ts) serve
// LoadBalancer Services for their local nodes as a cloud does.
const CLOUD_PROVIDER_IDS =
  /^(linode|aws|gce|azure|openstack|digitalocean|hcloud|vsphere|oci|ibm|alicloud|scaleway|exoscale|kind|hardenlab):\/\//;

export interface CniInfo {
  name?: string;
  enforcesNetworkPolicy: boolean;
  /** The real-node test bed's enforcer (a service in each node, not a pod): the battery can send traffic there. */
  testbedEnforcer?: boolean;
}

/**
 * Set on a node by the real-node test bed once the NetworkPolicy enforcer inside it (kube-router, firewall only)
 * runs and has made its chains; the value names it. A node service has no kube-system pod to be recognised by.
 */
export const ENFORCER_ANNOTATION = 'hardenlab.io/network-policy-enforcer';
export const isKwokNode = (node: KubeObject) => node.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake';

/** The test bed's enforcer, when every node that runs pods carries its annotation (KWOK nodes run none). */
function nodeEnforcer(nodes: KubeObject[]): CniInfo | undefined {
  const real = nodes.filter((node) => !isKwokNode(node));
  const names = new Set(real.map((node) => node.metadata.annotations?.[ENFORCER_ANNOTATION] ?? ''));
  if (real.length === 0 || names.has('') || names.size !== 1) return undefined;
  return { name: [...names][0]!, enforcesNetworkPolicy: true, testbedEnforcer: true };
}

/** The network plugin, from kube-system DaemonSets and pods, else the test bed's node annotation (no name: none recognised). */
export async function detectCni(client: KubeClient): Promise<CniInfo> {
  const names = [
    ...(await client.list('apps/v1', 'DaemonSet', { namespace: 'kube-system' })).items,
    ...(await client.list('v1', 'Pod', { namespace: 'kube-system' })).items,
  ].map((o) => o.metadata.name);
  for (const cni of CNI_PATTERNS) {
    if (names.some((n) => cni.pattern.test(n))) return { name: cni.name, enforcesNetworkPolicy: cni.enforcesNetworkPolicy };
  }
  return nodeEnforcer((await client.list('v1', 'Node')).items) ?? { enforcesNetworkPolicy: false };
}

/** Why stored NetworkPolicies are not enforced, given the detected plugin's name (if any). */
export function notEnforcedBecause(cniName: string | undefined): string {
  return cniName ? `the network plugin ${cniName} does not enforce them` : 'no network plugin was detected (e.g. the test bed)';
}

/**
 * Whether anything will give a LoadBalancer Service an address: a cloud provider (nodes with a cloud
 * providerID) or an in-cluster controller (MetalLB, kube-vip, k3s svclb …). The test bed has neither.
 */
export async function detectLoadBalancerController(client: KubeClient): Promise<{ present: boolean; evidence: string }> {
  const nodes = (await client.list('v1', 'Node')).items;
  const cloudNode = nodes.find((n) => CLOUD_PROVIDER_IDS.test(String((n.spec as { providerID?: string } | undefined)?.providerID ?? '')));
  if (cloudNode)
    return {
      present: true,
      evidence: `node ${cloudNode.metadata.name} has cloud providerID ${(cloudNode.spec as { providerID: string }).providerID}`,
    };
  const pods = (await client.list('v1', 'Pod')).items;
  const controller = pods.find((p) => LB_CONTROLLER_PODS.test(p.metadata.name));
  if (controller) return { present: true, evidence: `pod ${controller.metadata.namespace}/${controller.metadata.name}` };
  return { present: false, evidence: 'no node has a cloud providerID and no load-balancer controller pod runs' };
}

function internalIP(node: KubeObject): string | undefined {
  const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
  return addresses.find((a) => a.type === 'InternalIP')?.address;
}

/** Kubernetes version, nodes (instance types from the well-known label), CNI: the cluster facts of the report. */
export async function collectFacts(client: KubeClient, ref: ClusterRef): Promise<ClusterFacts> {
  const version = await client.version();
  const nodes = (await client.list('v1', 'Node')).items;
  const cni = await detectCni(client);
  return {
    provider: ref.provider,
    kubernetesVersion: version.gitVersion,
    nodeCount: nodes.length,
    nodes: nodes
      .map((node) => {
        const labels = node.metadata.labels ?? {};
        const info = (node.status as { nodeInfo?: { kubeletVersion?: string; osImage?: string } } | undefined)?.nodeInfo;
        return {
          name: node.metadata.name,
          instanceType: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'],
          kubeletVersion: info?.kubeletVersion || undefined,
          osImage: info?.osImage || undefined,
          internalIP: internalIP(node),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    cni: cni.name,
  };
}
