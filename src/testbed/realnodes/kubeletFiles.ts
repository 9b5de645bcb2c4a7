import * as os from 'node:os';

/**
 * The text of a real node's kubelet, kube-proxy and pod network files (kubeletSetup.ts writes them into its rootfs).
 * Pure: the same node and bed give the same files.
 */
export interface NodeKubeletInput {
  name: string;
  /** 1-based: the node's address in the namespace (10.77.0.<10+index>) and its pod CIDR (10.244.<index>.0/24). */
  index: number;
  nodeCount: number;
  /** The bridge address the namespace's API forward listens on, and its port. */
  gateway: string;
  apiPort: number;
  /** A name in the API server's serving certificate. */
  tlsServerName: string;
  /** Nodes on cgroup v1 need failCgroupV1: false (kubelet >= 1.35 refuses v1 without it). */
  cgroupV1: boolean;
  /** CPU the kubelet reserves: the host's CPUs beyond the node's share (it sees all of them through its cpuset). */
  reservedCpuMilli: number;
}

/** The host CPUs a node sees through its cpuset but may not use (its kubelet reserves them), in thousandths. */
export function reservedCpuMilli(nodeCpuMilli: number, hostCpus = os.availableParallelism()): number {
  return Math.max(0, hostCpus * 1000 - nodeCpuMilli);
}

export const podCidr = (index: number) => `10.244.${index}.0/24`;
export const nodeIp = (index: number) => `10.77.0.${10 + index}`;

/** A kubeconfig reaching the API server through the namespace's forward, as `user` with /etc/kubernetes/pki/<cert>.{crt,key}. */
export function kubeconfigFor(input: Pick<NodeKubeletInput, 'gateway' | 'apiPort' | 'tlsServerName'>, user: string, cert: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: hardenlab
  cluster:
    server: https://${input.gateway}:${input.apiPort}
    certificate-authority: /etc/kubernetes/pki/ca.crt
    tls-server-name: ${input.tlsServerName}
users:
- name: ${user}
  user:
    client-certificate: /etc/kubernetes/pki/${cert}.crt
    client-key: /etc/kubernetes/pki/${cert}.key
contexts:
- name: default
  context: {cluster: hardenlab, user: ${user}}
current-context: default
`;
}

function kubeProxyConfig(input: NodeKubeletInput): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: /etc/kubernetes/kube-proxy.conf}
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: ${input.name}
# The conntrack table size and timeouts are host-wide on this kernel: leave them as the host has them.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`;
}

function kubeletConfig(input: NodeKubeletInput): string {
  const v1 = input.cgroupV1 ? 'failCgroupV1: false # kubelet >= 1.35 refuses cgroup v1 without it\n' : '';
  return `# A real node's kubelet with its defaults, except what a system container on cgroup v1 requires.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cgroupDriver: cgroupfs
${v1}failSwapOn: false
# The node cannot write host-wide kernel settings nor lower oom_score_adj (no CAP_SYS_RESOURCE).
protectKernelDefaults: false
oomScoreAdj: 0
readOnlyPort: 0
tlsCertFile: /etc/kubernetes/pki/kubelet-serving.crt
tlsPrivateKeyFile: /etc/kubernetes/pki/kubelet-serving.key
# The node sees every host CPU through its cpuset but gets only its share by CFS quota: reserve the rest.
systemReserved: {cpu: "${input.reservedCpuMilli}m"}
podCIDR: ${podCidr(input.index)}
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
# As kubeadm sets it up: no anonymous callers; client certificates of the cluster CA (the API server's for
# logs and exec) and bearer tokens are checked, and every request is authorized by the API server (webhook).
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}}
authorization: {mode: Webhook}
# The nodes' image filesystem is the host's disk, which others fill: at the default 85 % the kubelet deleted the pause
# image (the nodes cannot pull it again) and at 15 % free it would evict. Never collect images; evict at 1 % free only.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
`;
}

function cniConfig(input: NodeKubeletInput): string {
  return `{"cniVersion": "1.0.0", "name": "hardenlab", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "${podCidr(input.index)}"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
`;
}

/** Pods on other nodes are reached through those nodes (the routes a cloud network would carry): systemd-networkd sections. */
export function podRoutes(input: Pick<NodeKubeletInput, 'index' | 'nodeCount'>): string {
  let text = '';
  for (let other = 1; other <= input.nodeCount; other++) {
    if (other !== input.index) text += `\n[Route]\nDestination=${podCidr(other)}\nGateway=${nodeIp(other)}\n`;
  }
  return text;
}

/** The configuration files, by path inside the rootfs, with their modes (kubeconfigs 0600, as kubeadm writes them). */
export function kubeletConfigFiles(input: NodeKubeletInput): { file: string; content: string; mode: number }[] {
  return [
    { file: 'etc/kubernetes/kube-proxy.conf', content: kubeconfigFor(input, 'kube-proxy', 'kube-proxy'), mode: 0o600 },
    { file: 'var/lib/kube-proxy/config.yaml', content: kubeProxyConfig(input), mode: 0o644 },
    { file: 'etc/kubernetes/kubelet.conf', content: kubeconfigFor(input, input.name, 'kubelet-client'), mode: 0o600 },
    { file: 'var/lib/kubelet/config.yaml', content: kubeletConfig(input), mode: 0o644 },
    { file: 'etc/cni/net.d/10-hardenlab.conflist', content: cniConfig(input), mode: 0o644 },
  ];
}

const KEY_USAGE = 'keyUsage=critical,digitalSignature,keyEncipherment\n';

/** The certificates a node gets from the cluster CA: subject and openssl extensions, by file name under /etc/kubernetes/pki. */
export function kubeletCertificates(input: Pick<NodeKubeletInput, 'name' | 'index'>, address: string) {
  const node = `/O=system:nodes/CN=system:node:${input.name}`;
  return [
    // Serving, for the loopback address the API server dials it at (its InternalIP): the API server checks it
    // (--kubelet-certificate-authority), so a process that took that port first cannot pass for the kubelet.
    {
      name: 'kubelet-serving',
      subject: node,
      extensions: `extendedKeyUsage=serverAuth\n${KEY_USAGE}subjectAltName=IP:${address},IP:${nodeIp(input.index)},DNS:${input.name}\n`,
    },
    // The node's own client certificate (group system:nodes): the Node authorizer and NodeRestriction treat it as that node.
    { name: 'kubelet-client', subject: node, extensions: `extendedKeyUsage=clientAuth\n${KEY_USAGE}` },
    // kube-proxy's identity: the bootstrap ClusterRoleBinding system:node-proxier names the user system:kube-proxy.
    { name: 'kube-proxy', subject: '/CN=system:kube-proxy', extensions: `extendedKeyUsage=clientAuth\n${KEY_USAGE}` },
  ];
}
