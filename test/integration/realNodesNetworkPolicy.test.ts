import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { binaryPaths, nodeSshArgs, readVersions } from '../../src/testbed';
import type { TestbedInstance, TestbedUpResult } from '../../src/testbed';
import type { AttackAttempt, AttackBatteryRequest } from '../../src/domain/contracts';
import { runAttackBattery } from '../../src/kube/battery';
import { loadKubeClient } from '../../src/kube/client';
import { ENFORCER_ANNOTATION, detectCni } from '../../src/kube/facts';
import type { KubeClient, KubeObject } from '../../src/kube/kubeObjects';
import { realNodesUnsupported } from '../../src/testbed/realNodes';
import { ENFORCER_CHECK, enforcerProblems, parseEnforcerCheck } from '../../src/testbed/realnodes/networkPolicyEnforcer';
import { describeWhen } from '../support/skip';
import { realTestInstance } from '../support/realBed';
import { laneRealBed } from '../support/realLane';

// NetworkPolicy enforced on the real nodes (kube-router, firewall only, in each node): the attack battery's
// cross-namespace row sends real pod traffic inside the closed node network. On the lane's bed.
jest.setTimeout(900_000);

const exec = promisify(execFile);
const kubectlBinary = binaryPaths(readVersions()).kubectl;
// The real-node lane's bed, shared with its other files (test/support/realLane.ts).
const instance: TestbedInstance = realTestInstance();
const log = (line: string) => process.stderr.write(`[netpol] ${line}\n`);
const namespace = 'hl-netpol-r1-00000000';
const packDir = path.join(__dirname, '..', '..', 'packs', 'network-policy');

let up: TestbedUpResult;
let admin: KubeClient;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec(kubectlBinary, ['--kubeconfig', up.kubeconfigPath, ...args], { timeout: 120_000 });
  return stdout;
}
async function onNode(address: string, command: string): Promise<string> {
  const { stdout } = await exec('ssh', [...nodeSshArgs(up, address), command], { timeout: 60_000 });
  return stdout;
}

/** The battery as a run makes it (the worker's own client stands in for the impersonated test user). */
async function crossNamespace(): Promise<AttackAttempt> {
  const cluster = { provider: 'kubeconfig', kubeconfigPath: up.kubeconfigPath };
  const req = { runId: 'netpol-1', namespace, cluster, hardening: { rbacUser: 'tester' } };
  const started = Date.now();
  const { attempts } = await runAttackBattery(admin, admin, req as unknown as AttackBatteryRequest);
  const row = attempts.find((a) => a.id === 'cross-namespace-traffic')!;
  log(`battery: ${row.outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${row.message}`);
  return row;
}

const policies = () =>
  fs
    .readdirSync(packDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parseYaml(fs.readFileSync(path.join(packDir, f), 'utf8')) as KubeObject);

const unsupported = realNodesUnsupported();
const describeReal = describeWhen({ met: !unsupported, missing: unsupported ?? '', providedBySetup: true });

describeReal('NetworkPolicy enforced on the real nodes', () => {
  beforeAll(async () => {
    ({ up } = await laneRealBed('realnodes', instance, log));
    admin = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    await kubectl('create', 'namespace', namespace);
  });

  afterAll(async () => {
    // The lane's bed outlives this file: leave it as found.
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s');
  });

  test('every node runs kube-router on nf_tables iptables with ipset, bridged traffic filtered, listening on no port', async () => {
    for (const node of instance.nodes) {
      expect(enforcerProblems(parseEnforcerCheck(await onNode(node.address, ENFORCER_CHECK)))).toEqual([]);
      // --health-port=0 and no metrics: v2.1.0's unauthenticated /debug/pprof server is not there.
      expect(await onNode(node.address, 'ss -Hltnup | grep -c kube-router || true')).toBe('0\n');
      const annotations = JSON.parse(await kubectl('get', 'node', node.name, '-o', 'jsonpath={.metadata.annotations}'));
      expect(annotations[ENFORCER_ANNOTATION]).toBe('kube-router/v2.1.0');
    }
    expect(await detectCni(admin)).toEqual({ name: 'kube-router/v2.1.0', enforcesNetworkPolicy: true, testbedEnforcer: true });
  });

  test('baseline allows cross-namespace traffic, the network-policy pack denies it, and deleting the policies allows it', async () => {
    const baseline = await crossNamespace();
    expect(baseline).toMatchObject({ outcome: 'allowed', message: expect.stringMatching(/control allowed/) });

    for (const policy of policies()) await admin.apply({ ...policy, metadata: { ...policy.metadata, namespace } });
    const denied = await crossNamespace();
    expect(denied).toMatchObject({ outcome: 'denied' });
    // Both clients (the target's node and the other) were refused on their last fetch; the control answered both.
    expect(denied.message.match(/target [a-z,]*refused;/g)).toHaveLength(2);
    expect(denied.message.match(/control [a-z,]*allowed( \||\))/g)).toHaveLength(2);

    for (const policy of policies()) await admin.delete('networking.k8s.io/v1', 'NetworkPolicy', policy.metadata.name, namespace);
    expect(await crossNamespace()).toMatchObject({ outcome: 'allowed' });
    // The probe pods are gone after each battery.
    expect(await kubectl('get', 'pods', '-A', '-l', 'hardenlab.io/probe', '-o', 'name')).toBe('');
  });
});
