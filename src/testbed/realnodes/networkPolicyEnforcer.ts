import { kubeconfigFor, type NodeKubeletInput } from './kubeletFiles';
import { SERVICE_CIDR } from './nodeBed';

/**
 * The real nodes' NetworkPolicy enforcer: kube-router v2.1.0, firewall only, as a systemd service inside each node
 * beside kube-proxy and the bridge CNI (docs/security.md says why this version and why its flaws do not reach here).
 * Pure: the files, flags and RBAC it gets (networkPolicyEnforcerSetup.ts writes and starts them).
 */

/** The folder inside a node holding the binary and its digest: root's only (0700). */
export const ENFORCER_DIR_IN_NODE = '/opt/hardenlab/netpol';
export const ENFORCER_BINARY_IN_NODE = `${ENFORCER_DIR_IN_NODE}/kube-router`;
export const ENFORCER_DIGEST_IN_NODE = `${ENFORCER_DIR_IN_NODE}/kube-router.sha256`;
export const ENFORCER_KUBECONFIG = '/etc/kubernetes/kube-router.conf';
export const ENFORCER_UNIT = 'kube-router.service';
/** The user its client certificate names; the ClusterRoleBinding below grants it reads only. */
export const ENFORCER_USER = 'hardenlab:kube-router';
export const ENFORCER_ROLE = 'hardenlab:kube-router';

/**
 * Firewall only: no routing (GoBGP and its unauthenticated gRPC port), no service proxy (kube-proxy does Services;
 * the proxy is where CVE-2026-32254 lives), no load balancer; health port 0 closes v2.1.0's server, which exposes
 * /debug/pprof on every address; metrics stay off. So it listens on no port at all.
 */
export function kubeRouterFlags(nodeName: string): string[] {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(nodeName)) throw new Error(`kube-router: '${nodeName}' is not a node name`);
  return [
    '--run-firewall=true',
    '--run-router=false',
    '--run-service-proxy=false',
    '--run-loadbalancer=false',
    '--health-port=0',
    '--metrics-port=0',
    `--kubeconfig=${ENFORCER_KUBECONFIG}`,
    `--hostname-override=${nodeName}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '-v=1',
  ];
}

/**
 * The node's unit: started after the node's InternalIP is set (kube-router reads it once at start). Before each
 * start the binary is checked against the digest the host recorded; a mismatch fails the start.
 */
export function kubeRouterUnit(nodeName: string): string {
  return `[Unit]
Description=kube-router, firewall only: enforces NetworkPolicy with iptables and ipset (hardenlab)
After=kubelet.service kube-proxy.service
ConditionPathExists=${ENFORCER_KUBECONFIG}

[Service]
Environment=NODE_NAME=${nodeName}
ExecStartPre=/usr/bin/sha256sum --check --status --strict ${ENFORCER_DIGEST_IN_NODE}
ExecStart=${ENFORCER_BINARY_IN_NODE} ${kubeRouterFlags(nodeName).join(' ')}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

/** The line `sha256sum --check` reads: the digest the host checked, for the path inside the node. */
export function digestLine(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`kube-router: '${sha256}' is not a sha256 digest`);
  return `${sha256}  ${ENFORCER_BINARY_IN_NODE}\n`;
}

const KEY_USAGE = 'keyUsage=critical,digitalSignature,keyEncipherment\n';

/** Its client certificate from the cluster CA, as /etc/kubernetes/pki/kube-router.{crt,key}. */
export const ENFORCER_CERTIFICATE = {
  name: 'kube-router',
  subject: `/CN=${ENFORCER_USER}`,
  extensions: `extendedKeyUsage=clientAuth\n${KEY_USAGE}`,
};

export function kubeRouterKubeconfig(input: Pick<NodeKubeletInput, 'gateway' | 'apiPort' | 'tlsServerName'>): string {
  return kubeconfigFor(input, ENFORCER_USER, ENFORCER_CERTIFICATE.name);
}

/**
 * Reads only, cluster-wide: v2.1.0 starts informers for all of these whatever its mode and waits for every one to
 * sync, so a kind it does not use (services, endpoints, endpointslices) still has to be listable.
 */
export function kubeRouterRbac(): Record<string, unknown> {
  const read = ['get', 'list', 'watch'];
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: ENFORCER_ROLE },
    rules: [
      { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes', 'services', 'endpoints'], verbs: read },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: read },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: ENFORCER_ROLE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ENFORCER_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: ENFORCER_USER }],
  };
  return { apiVersion: 'v1', kind: 'List', items: [role, binding] };
}

/**
 * Run in the node over SSH (fixed text: nothing from outside goes in): what enforcement needs and whether it is on.
 * One `key=value` line each; parseEnforcerCheck reads them.
 */
export const ENFORCER_CHECK = [
  'echo "active=$(systemctl is-active kube-router)"',
  'echo "ipset=$(command -v ipset >/dev/null && echo yes || echo no)"',
  'echo "backend=$(iptables --version 2>/dev/null)"',
  'echo "bridge_nf=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)"',
  'echo "chains=$(iptables -S KUBE-ROUTER-FORWARD >/dev/null 2>&1 && echo yes || echo no)"',
].join('; ');

export interface EnforcerCheck {
  active: boolean;
  ipset: boolean;
  backend: string;
  bridgeNetfilter: boolean;
  chains: boolean;
}

export function parseEnforcerCheck(stdout: string): EnforcerCheck {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  return {
    active: values.get('active') === 'active',
    ipset: values.get('ipset') === 'yes',
    backend: values.get('backend') ?? '',
    bridgeNetfilter: values.get('bridge_nf') === '1',
    chains: values.get('chains') === 'yes',
  };
}

/** Why the enforcer is not enforcing on a node (empty when it is): what the check found missing. */
export function enforcerProblems(check: EnforcerCheck): string[] {
  const problems: string[] = [];
  if (!check.ipset) problems.push('ipset is not installed (a node made from an older image: recreate the nodes)');
  if (!/\(nf_tables\)/.test(check.backend)) problems.push(`iptables is not the nf_tables backend kube-proxy uses ('${check.backend}')`);
  if (!check.bridgeNetfilter) problems.push('net.bridge.bridge-nf-call-iptables is not 1: bridged pod traffic would bypass the rules');
  if (!check.active) problems.push('kube-router.service is not active');
  if (!check.chains) problems.push('kube-router has not made its KUBE-ROUTER-FORWARD chain yet');
  return problems;
}
