/**
 * The battery's cross-namespace traffic on the real-node test bed: its pods, its client's report and the verdict, and
 * how the enforcer is detected (the traffic itself: test/integration/realNodesNetworkPolicy.test.ts).
 */
import { detectCni, ENFORCER_ANNOTATION } from '../../../src/kube/facts';
import { CLIENT_SCRIPT, clientPod, parseClientMessage, serverPod, verdict } from '../../../src/kube/networkProbe';
import type { KubeClient, KubeObject } from '../../../src/kube/kubeObjects';

const scope = { runId: 'run-1', namespace: 'hl-np-r1-00000000' };

function clusterOf(nodes: KubeObject[], kubeSystemPods: string[] = []): KubeClient {
  const list = async (_apiVersion: string, kind: string) => ({
    resourceVersion: '1',
    items: kind === 'Node' ? nodes : kind === 'Pod' ? kubeSystemPods.map((name) => ({ kind: 'Pod', metadata: { name } })) : [],
  });
  return { list } as unknown as KubeClient;
}
const node = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, annotations },
});
const kwok = (name: string) => node(name, { 'kwok.x-k8s.io/node': 'fake' });
const enforced = (name: string) => node(name, { [ENFORCER_ANNOTATION]: 'kube-router/v2.1.0' });
type Container = { command: string[]; env?: unknown; securityContext: unknown };
type PodOf = KubeObject & { spec: { nodeName: string; securityContext: unknown; containers: Container[] } };

test('the bed enforces when every node that runs pods carries the enforcer annotation; KWOK and half-annotated beds do not', async () => {
  expect(await detectCni(clusterOf([enforced('a'), enforced('b'), kwok('k')]))).toEqual({
    name: 'kube-router/v2.1.0',
    enforcesNetworkPolicy: true,
    testbedEnforcer: true,
  });
  expect(await detectCni(clusterOf([enforced('a'), node('b')]))).toEqual({ enforcesNetworkPolicy: false });
  expect(await detectCni(clusterOf([kwok('a'), kwok('b')]))).toEqual({ enforcesNetworkPolicy: false });
  expect(await detectCni(clusterOf([]))).toEqual({ enforcesNetworkPolicy: false });
  // A recognised plugin's pods decide first: the annotation is the test bed's, not a plugin's.
  expect(await detectCni(clusterOf([enforced('a')], ['calico-node-x']))).toEqual({ name: 'calico', enforcesNetworkPolicy: true });
});

test('the probe pods are Pod Security "restricted" compliant, pinned to their node, and carry addresses only as environment', () => {
  const server = serverPod(scope, 'hardenlab-probe-target', 'n1') as PodOf;
  expect(server.spec.nodeName).toBe('n1');
  expect(server.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } });
  expect(server.spec.containers[0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  expect(server.spec.containers[0]!.command).toEqual(['httpd', '-f', '-p', '8081', '-h', '/etc']);
  expect(server.metadata.labels).toMatchObject({ 'hardenlab.io/probe': 'hardenlab-probe-target' });
  const client = clientPod({ ...scope, namespace: 'default' }, 'c', 'n2', '10.244.1.5', '10.244.1.6') as PodOf;
  expect(client.spec.containers[0]!.command).toEqual(['sh', '-c', CLIENT_SCRIPT]);
  expect(client.spec.containers[0]!.env).toEqual([{ name: 'TARGET_IP', value: '10.244.1.5' }, { name: 'CONTROL_IP', value: '10.244.1.6' }]);
  expect(CLIENT_SCRIPT).not.toContain('10.244');
});

test("the client's report is read back; anything else is not a report", () => {
  expect(parseClientMessage('n2', 'target: allowed refused refused control: allowed allowed allowed\n')).toEqual({
    node: 'n2',
    target: ['allowed', 'refused', 'refused'],
    control: ['allowed', 'allowed', 'allowed'],
  });
  expect(parseClientMessage('n2', '')).toBeUndefined();
  expect(parseClientMessage('n2', 'wget: bad address')).toBeUndefined();
});

test('the verdict: each client’s last fetch decides, the control must answer, and a mixed or silent outcome is an error', () => {
  const r = (target: string, control = 'allowed allowed') => parseClientMessage('n', `target: ${target} control: ${control}`)!;
  expect(verdict([r('allowed allowed'), r('allowed allowed')]).outcome).toBe('allowed');
  // The enforcer may write a new pod's rules a moment late: the early fetch got through, the last was refused.
  expect(verdict([r('allowed refused'), r('refused refused')])).toMatchObject({
    outcome: 'denied',
    message: expect.stringContaining('refused'),
  });
  expect(verdict([r('refused refused'), r('refused allowed')]).outcome).toBe('error');
  expect(verdict([r('timeout timeout'), r('timeout timeout')]).outcome).toBe('error');
  expect(verdict([r('refused refused', 'allowed timeout'), r('refused refused')])).toMatchObject({
    outcome: 'error',
    message: expect.stringContaining('control pod'),
  });
  expect(verdict([]).outcome).toBe('error');
});
