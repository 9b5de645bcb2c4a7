/** The real nodes' NetworkPolicy enforcer as configured: flags, unit, identity, RBAC and the node check (its traffic: integration). */
import {
  digestLine,
  ENFORCER_CERTIFICATE,
  enforcerProblems,
  kubeRouterFlags,
  kubeRouterKubeconfig,
  kubeRouterRbac,
  kubeRouterUnit,
  parseEnforcerCheck,
} from '../../../src/testbed/realnodes/networkPolicyEnforcer';
import { kubeRouterBinary, kubeRouterVersion } from '../../../src/testbed/realNodeEnforcer';
import { SERVICE_CIDR } from '../../../src/testbed/realnodes/nodeBed';

test('firewall only, listening on no port, for this node and the bed’s service range', () => {
  expect(kubeRouterFlags('real-node-1')).toEqual([
    '--run-firewall=true',
    '--run-router=false',
    '--run-service-proxy=false',
    '--run-loadbalancer=false',
    '--health-port=0',
    '--metrics-port=0',
    '--kubeconfig=/etc/kubernetes/kube-router.conf',
    '--hostname-override=real-node-1',
    '--service-cluster-ip-range=10.0.0.0/24',
    '-v=1',
  ]);
  expect(() => kubeRouterFlags('node; reboot')).toThrow(/not a node name/);
  // The same range each node routes into the bed's network (its networkd file, src/testbed/realnodes/nodeCreate.ts).
  expect(SERVICE_CIDR).toBe('10.0.0.0/24');
});

test('the unit checks the binary’s digest before each start, restarts it, and starts after the kubelet', () => {
  const unit = kubeRouterUnit('real-node-2');
  expect(unit).toContain('ExecStartPre=/usr/bin/sha256sum --check --status --strict /opt/hardenlab/netpol/kube-router.sha256\n');
  expect(unit).toContain(`ExecStart=/opt/hardenlab/netpol/kube-router ${kubeRouterFlags('real-node-2').join(' ')}\n`);
  expect(unit).toMatch(/^ConditionPathExists=\/etc\/kubernetes\/kube-router\.conf$/m);
  expect(unit).toMatch(/^After=kubelet\.service kube-proxy\.service$/m);
  expect(unit).toMatch(/^Restart=always$/m);
  expect(digestLine('a'.repeat(64))).toBe(`${'a'.repeat(64)}  /opt/hardenlab/netpol/kube-router\n`);
  expect(() => digestLine('abc; rm -rf /')).toThrow(/not a sha256/);
});

test('its own identity, with reads only of what its informers list', () => {
  expect(ENFORCER_CERTIFICATE.subject).toBe('/CN=hardenlab:kube-router');
  expect(ENFORCER_CERTIFICATE.extensions).toMatch(/^extendedKeyUsage=clientAuth$/m);
  const kubeconfig = kubeRouterKubeconfig({ gateway: '10.77.0.1', apiPort: 26443, tlsServerName: 'localhost' });
  expect(kubeconfig).toContain('server: https://10.77.0.1:26443');
  expect(kubeconfig).toContain('client-certificate: /etc/kubernetes/pki/kube-router.crt');
  type Rbac = { metadata: { name: string }; rules?: unknown; subjects?: unknown; roleRef?: { name: string } };
  const { items } = kubeRouterRbac() as { items: Rbac[] };
  const [role, binding] = items;
  expect(role!.rules).toEqual([
    { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
  ]);
  expect(binding!.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'hardenlab:kube-router' }]);
  expect(binding!.roleRef!.name).toBe(role!.metadata.name);
});

test("the node check: enforcing only with ipset, nf_tables iptables, bridged traffic filtered, the unit active and its chain made", () => {
  const good = 'active=active\nipset=yes\nbackend=iptables v1.8.9 (nf_tables)\nbridge_nf=1\nchains=yes\n';
  expect(enforcerProblems(parseEnforcerCheck(good))).toEqual([]);
  const stale = parseEnforcerCheck('active=activating\nipset=no\nbackend=iptables v1.8.9 (legacy)\nbridge_nf=0\nchains=no\n');
  expect(enforcerProblems(stale)).toEqual([
    'ipset is not installed (a node made from an older image: recreate the nodes)',
    "iptables is not the nf_tables backend kube-proxy uses ('iptables v1.8.9 (legacy)')",
    'net.bridge.bridge-nf-call-iptables is not 1: bridged pod traffic would bypass the rules',
    'kube-router.service is not active',
    'kube-router has not made its KUBE-ROUTER-FORWARD chain yet',
  ]);
});

test('the pinned version is the one the Go module proxy serves, cached by version', () => {
  expect(kubeRouterVersion()).toBe('v2.1.0');
  expect(kubeRouterBinary('/c')).toBe('/c/bin/kube-router-v2.1.0/kube-router');
});
