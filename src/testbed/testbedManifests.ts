import { stringify } from 'yaml';
import type { NodeMap } from '../config/nodeMap';
import type { TestbedBinaries, TestbedVersions } from './buildVersions';
import { TESTBED_BIND_ADDRESS, TESTBED_UNPRIVILEGED_USER, type TestbedLayout, type TestbedNode } from './layout';
import { etcdTlsArgs } from './etcdPki';

/**
 * The kwokctl configuration: binary runtime with a local path for every binary (so kwokctl downloads
 * nothing), fixed ports on 127.0.0.1, TLS on the secure port, Node+RBAC authorization and the API
 * server's default admission plugins (PodSecurity included). No Stage objects are given, so kwokctl
 * installs its default node stages and the pod-ready/pod-complete/pod-delete stages (Job pods succeed).
 */
export interface KwokctlOptions {
  /**
   * The address the API server publishes for the `kubernetes` Service. Real nodes' pods reach the API server
   * there (the namespace's end of the API forward); unset with KWOK nodes, whose pods never run.
   */
  advertiseAddress?: string;
  /** Real kubelets refuse anonymous callers: the API server then needs a client certificate for them. */
  kubeletClientCertificate?: boolean;
}

export function renderKwokctlConfig(
  versions: TestbedVersions,
  binaries: TestbedBinaries,
  layout: TestbedLayout,
  options: KwokctlOptions = {},
): string {
  const ports = layout.instance.ports;
  const certSans = [
    ...(options.advertiseAddress ? ['10.0.0.1', options.advertiseAddress] : []),
    ...(layout.instance.apiAddress ? [layout.instance.apiAddress] : []),
  ];
  const etcdTls = etcdTlsArgs(layout);
  const config = {
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    options: {
      runtime: 'binary',
      kubeVersion: versions.kubernetes,
      etcdVersion: versions.etcd.replace(/^v/, ''),
      kwokVersion: versions.kwok,
      securePort: true,
      kubeAuthorization: true,
      kubeAdmission: true,
      bindAddress: TESTBED_BIND_ADDRESS,
      kubeApiserverPort: ports.kubeApiserver,
      etcdPort: ports.etcd,
      etcdPeerPort: ports.etcdPeer,
      kubeControllerManagerPort: ports.kubeControllerManager,
      kubeSchedulerPort: ports.kubeScheduler,
      kwokControllerPort: ports.kwokController,
      kubeApiserverBinary: binaries.kubeApiserver,
      kubeControllerManagerBinary: binaries.kubeControllerManager,
      kubeSchedulerBinary: binaries.kubeScheduler,
      kubectlBinary: binaries.kubectl,
      etcdBinary: binaries.etcd,
      etcdctlBinary: binaries.etcdctl,
      kwokControllerBinary: binaries.kwok,
      cacheDir: `${layout.kwokWorkdir}/cache`,
      quietPull: true,
      // Pods that verify the API server reach it as the `kubernetes` Service (10.0.0.1) or at the advertised address.
      // Clients of an instance with an address of its own reach it there, through the standard-port forward.
      ...(certSans.length > 0 ? { kubeApiserverCertSANs: certSans } : {}),
    },
    // The API server reaches kubelets (pod logs, exec) by the node's InternalIP, our loopback address, instead
    // of resolving the node name through the system resolver, which would leave the machine.
    componentsPatches: [
      // etcd takes only the API server's client certificate (createEtcdPki writes it before the cluster starts).
      { name: 'etcd', extraArgs: etcdTls.etcd },
      {
        name: 'kube-apiserver',
        extraArgs: [
          ...etcdTls.kubeApiserver,
          { key: 'kubelet-preferred-address-types', value: 'InternalIP' },
          ...(options.advertiseAddress ? [{ key: 'advertise-address', value: options.advertiseAddress }] : []),
          // Real kubelets accept only callers with a certificate of the cluster CA: the API server presents
          // kwokctl's admin certificate (system:masters) when it reads pod logs or opens exec sessions.
          ...(options.kubeletClientCertificate
            ? [
                { key: 'kubelet-client-certificate', value: `${layout.kwokClusterDir}/pki/admin.crt` },
                { key: 'kubelet-client-key', value: `${layout.kwokClusterDir}/pki/admin.key` },
                // and checks the kubelet's serving certificate (signed for its loopback address by the cluster CA),
                // so whoever binds a node's 127.0.0.x:10250 first cannot answer for it.
                { key: 'kubelet-certificate-authority', value: `${layout.kwokClusterDir}/pki/ca.crt` },
              ]
            : []),
        ],
      },
      // One instance each, so no leader election: with it they exit when the API server stalls for ~15 s (a
      // starved machine), and nothing would then create or schedule a pod.
      { name: 'kube-controller-manager', extraArgs: [{ key: 'leader-elect', value: 'false' }] },
      { name: 'kube-scheduler', extraArgs: [{ key: 'leader-elect', value: 'false' }] },
      // kwok would otherwise take over every node, real kubelets' too: it manages only the nodes it simulates.
      {
        name: 'kwok-controller',
        extraArgs: [
          { key: 'manage-all-nodes', value: 'false' },
          { key: 'manage-nodes-with-annotation-selector', value: 'kwok.x-k8s.io/node=fake' },
        ],
      },
    ],
  };
  return stringify(config);
}

/** What a KWOK node advertises as its capacity (Kubernetes quantities). */
export interface NodeSize {
  cpu: string;
  memory: string;
}

/**
 * One Node object per simulated node. Created with its status so the InternalIP is the node host's
 * loopback address (kwok's node-initialize stage keeps addresses that are already there). No taint, so
 * ordinary workloads schedule on them; the capacity the test bed's configuration gives each node.
 */
export function renderNodeManifests(nodes: readonly TestbedNode[], kwokVersion: string, size: NodeSize): string {
  const resources = { ...size, pods: '110' };
  return nodes
    .map((node) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: node.name,
          labels: {
            'kubernetes.io/hostname': node.name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            type: 'kwok',
          },
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        },
        spec: {},
        status: {
          addresses: [
            { type: 'InternalIP', address: node.address },
            { type: 'Hostname', address: node.name },
          ],
          allocatable: resources,
          capacity: resources,
          nodeInfo: {
            architecture: 'amd64',
            operatingSystem: 'linux',
            kubeletVersion: `kwok-${kwokVersion}`,
            kubeProxyVersion: `kwok-${kwokVersion}`,
            containerRuntimeVersion: `kwok-${kwokVersion}`,
            kernelVersion: `kwok-${kwokVersion}`,
            osImage: '',
            bootID: '',
            machineID: '',
            systemUUID: '',
          },
        },
      }),
    )
    .join('---\n');
}

/**
 * sshd_config of one node host: its own address, host key and pid file; key login only; no PAM or systemd. The
 * authorized keys come from a root-owned file outside the data folder, and StrictModes makes sshd check it too.
 */
export function renderSshdConfig(node: TestbedNode, layout: TestbedLayout, authorizedKeysFile: string): string {
  const dir = layout.nodeDir(node.name);
  return [
    `# Node host of ${node.name}, written by hardenlab testbed up.`,
    `ListenAddress ${node.address}:${layout.instance.ports.ssh}`,
    `HostKey ${dir}/ssh_host_ed25519_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${authorizedKeysFile}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    `AllowUsers root ${TESTBED_UNPRIVILEGED_USER}`,
    // No PAM session here (no systemd/logind); the keys are not in ~/.ssh.
    'UsePAM no',
    'StrictModes yes',
    'PrintMotd no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/** A known_hosts line for a node host; port 22 hosts are written bare, others as [host]:port. */
export function knownHostsLine(address: string, port: number, publicKey: string): string {
  const [type, key] = publicKey.trim().split(/\s+/);
  if (!type || !key) throw new Error(`not an OpenSSH public key: "${publicKey.trim()}"`);
  const host = port === 22 ? address : `[${address}]:${port}`;
  return `${host} ${type} ${key}`;
}

/** The node map the worker reads: how to reach each simulated node's host over SSH (absolute paths). */
export function buildNodeMap(nodes: readonly TestbedNode[], layout: TestbedLayout, user = 'root', systemContainers = false): NodeMap {
  return {
    nodes: nodes.map((node) => ({
      ...(systemContainers ? { systemContainer: true } : {}),
      name: node.name,
      host: node.address,
      port: layout.instance.ports.ssh,
      user,
      privateKeyPath: layout.privateKeyPath,
      knownHostsPath: layout.knownHostsPath,
      trustOnFirstUse: false,
    })),
  };
}
