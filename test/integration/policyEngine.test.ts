/**
 * The policy-engine scenario on the real-node test bed: Gatekeeper's image as the bed's registry serves it (pinned by
 * the digest it recorded), installed by the pack with a certificate it makes, its webhook answering the API server
 * through the bed's load balancer; the battery's pod attacks are refused by the webhook (the message names the
 * constraint); reset leaves nothing, cluster-scoped objects included. An engine that never becomes ready fails
 * naming what, and leaves no webhook behind.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as path from 'node:path';
import type { PolicyEngineSetup } from '../../src/config/policyEngine';
import { defaultPolicyEngine } from '../../worker/engineSource';
import type { ApplyPacksRequest } from '../../src/domain/contracts';
import { applyPacks } from '../../src/scenarios/applyPacks';
import { runAttackBattery } from '../../src/kube/battery';
import { loadKubeClient } from '../../src/kube/client';
import { namespaceManifest } from '../../src/kube/manifests';
import { compliantPod } from '../../src/kube/battery';
import { resetRun } from '../../src/kube/reset';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { resolveScenarios } from '../../src/scenarios/resolveScenarios';
import { Ssh2Connector } from '../../src/ssh/connection';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';
import type { TestbedUpResult } from '../../src/testbed';
import { realNodesUnsupported } from '../../src/testbed/realNodes';
import { ACCESS_INSTANCE } from '../support/accessBed';
import { engineRemains } from '../support/engineLeftovers';
import { laneRealBed } from '../support/realLane';
import { tempDirSync } from '../support/tempDir';

jest.setTimeout(900_000);

const home = tempDirSync('hardenlab-engine-');
const log = (line: string) => process.stderr.write(`[policy engine] ${line}\n`);
const hardening = { rbacUser: 'hardenlab-tester', inSecurityTools: false } as ApplyPacksRequest['hardening'];
let up: TestbedUpResult;
let admin: KubeClient;

const unsupported = realNodesUnsupported();
if (unsupported && process.env.CI === 'true') throw new Error(`real nodes must run in CI: ${unsupported}`);
const describeReal = unsupported ? describe.skip : describe;

async function scenarioRequest(runId: string): Promise<{ req: ApplyPacksRequest; packs: Parameters<typeof applyPacks>[2] }> {
  const resolved = await resolveScenarios(['policy-engine'], { configDir: home, inSecurityTools: false });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  const namespace = `hl-pe-${runId.slice(-8)}`;
  const cluster = { provider: 'local' as const, kubeconfigPath: up.kubeconfigPath };
  await admin.apply(namespaceManifest({ runId, namespace }));
  const req = { runId, namespace, cluster, scenario: resolved.definitions[0]!, definitionsKey: 'unused', hardening } as ApplyPacksRequest;
  return { req, packs: resolved.packs };
}

describeReal(`the policy engine on real nodes${unsupported ? ` (skipped: ${unsupported})` : ''}`, () => {
  let setup: PolicyEngineSetup;

  beforeAll(async () => {
    const bed = await laneRealBed('nodeaccess', ACCESS_INSTANCE, log);
    up = bed.up;
    admin = await loadKubeClient({ kubeconfigPath: up.kubeconfigPath });
    // The worker's own choice, from the bed's recorded digest (HARDENLAB_HOME is the bed's data folder).
    const engines = defaultPolicyEngine({ ...process.env, HARDENLAB_HOME: bed.home }, undefined);
    const source = engines({ provider: 'local', kubeconfigPath: up.kubeconfigPath });
    if ('unavailable' in source) throw new Error(source.unavailable);
    setup = source;
    expect(setup.image).toMatch(/^docker\.io\/hardenlab\/gatekeeper@sha256:[0-9a-f]{64}$/);
    expect(path.basename(setup.installManifest)).toBe('gatekeeper.yaml');
  });

  test('the engine comes up, the webhook refuses the pod attacks naming the constraint, and reset leaves nothing', async () => {
    const { req, packs } = await scenarioRequest(`it-engine-${process.pid}`);
    try {
      await engineScenario(req, packs);
    } finally {
      // Whatever failed above, the next test starts from a cluster without this run's engine.
      const options = { now: Date.now, timeoutMs: 180_000, pollIntervalMs: 1_000, log };
      await resetRun(admin, { runId: req.runId }, options).catch((e: unknown) => log(`cleanup reset: ${(e as Error).message}`));
    }
  });

  async function engineScenario(req: ApplyPacksRequest, packs: Parameters<typeof applyPacks>[2]): Promise<void> {
    const started = Date.now();
    const result = await applyPacks(admin, req, packs, { setup, readyTimeoutMs: 300_000, tempDir: home });
    log(`engine installed, policies enforcing: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const line of result.evidence) log(`evidence: ${line.check}: ${line.detail}`);
    expect(result.evidence.filter((e) => !e.passed)).toEqual([]);
    expect(result.evidence.map((e) => e.check)).toEqual(
      expect.arrayContaining([
        'policy engine: Gatekeeper v3.23.1 runs and its webhook answers',
        'policy engine: constraint hardenlab-restricted denies a privileged pod',
      ]),
    );
    expect(result.podSecurity).toBeUndefined();

    const asTester = await loadKubeClient(req.cluster, { impersonate: hardening.rbacUser });
    const battery = await runAttackBattery(admin, asTester, req);
    const expected = req.scenario.packs[0]!.expectedDenials!;
    expect(expected).toHaveLength(7);
    const pods = battery.attempts.filter((a) => a.category === 'pod-security');
    for (const id of expected) {
      const attempt = pods.find((a) => a.id === id)!;
      const byTheWebhook = expect.stringMatching(/validation\.gatekeeper\.sh.*\[hardenlab-restricted\]/);
      expect([id, attempt.outcome, attempt.message]).toEqual([id, 'denied', byTheWebhook]);
    }
    expect(pods.find((a) => a.id === 'automount-sa-token')!.outcome).toBe('allowed');
    await measureIdle(`${req.namespace}-gk`);

    const reset = await resetRun(admin, { runId: req.runId }, { now: Date.now, timeoutMs: 180_000, pollIntervalMs: 1_000, log });
    expect(reset.leftovers).toEqual([]);
    expect(reset.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['ValidatingWebhookConfiguration', 'ConstraintTemplate']));
    expect(await engineRemains(admin)).toEqual([]);
    expect(await admin.get('v1', 'Namespace', `${req.namespace}-gk`)).toBeNull();
  }

  test('an engine never ready fails naming what, registers no webhook, and reset leaves the cluster admitting pods', async () => {
    const { req, packs } = await scenarioRequest(`it-engine-dead-${process.pid}`);
    // An image the registry does not serve: the pod never starts.
    const dead = { ...setup, image: `docker.io/hardenlab/gatekeeper@sha256:${'0'.repeat(64)}` };
    const started = Date.now();
    const failure = await applyPacks(admin, req, packs, { setup: dead, readyTimeoutMs: 45_000, tempDir: home }).catch((e: unknown) => e);
    log(`failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(failure as Error).message}`);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect([(failure as ApplicationFailure).type, (failure as ApplicationFailure).nonRetryable]).toEqual(['PolicyEngineNotReady', true]);
    expect((failure as Error).message).toMatch(/within 45 s: Deployment hardenlab-gatekeeper in \S+ has no available pod/);
    expect((failure as Error).message).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect((await admin.list('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration')).items).toEqual([]);

    const reset = await resetRun(admin, { runId: req.runId }, { now: Date.now, timeoutMs: 180_000, pollIntervalMs: 1_000, log });
    expect(reset.leftovers).toEqual([]);
    expect(await engineRemains(admin)).toEqual([]);
    const probe = compliantPod({ runId: req.runId, namespace: 'default' }, 'hardenlab-after-engine');
    await expect(admin.create(probe, { dryRun: true })).resolves.toMatchObject({ kind: 'Pod' });
  });
});

/** The engine pod's CPU and memory on its node, from its pod cgroup over 30 idle seconds (logged for the docs). */
async function measureIdle(engineNamespace: string): Promise<void> {
  const pod = (await admin.list('v1', 'Pod', { namespace: engineNamespace })).items[0]!;
  const nodeName = (pod.spec as { nodeName: string }).nodeName;
  const entry = (await loadNodeMap(up.nodeMapPath)).nodes.find((n) => n.name === nodeName)!;
  const ssh = await new Ssh2Connector().connect(entry);
  try {
    // The pod's cgroup as the kubelet made it (cgroupfs driver: kubepods/<qos>/pod<uid> in each v1 controller), found
    // by the file it holds rather than by the controller's mount name.
    const find = (file: string) =>
      `for d in $(find /sys/fs/cgroup/ -maxdepth 5 -type d -name 'pod${pod.metadata.uid}'); do ` +
      `if [ -f "$d/${file}" ]; then cat "$d/${file}"; break; fi; done`;
    const cpu = async () => Number((await ssh.run(find('cpuacct.usage'))).trim());
    const before = await cpu();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const cores = (await cpu() - before) / 30e9;
    const memory = Number((await ssh.run(find('memory.usage_in_bytes'))).trim()) / 2 ** 20;
    log(`engine idle on ${nodeName}: ${(cores * 100).toFixed(2)} % of one core over 30 s, ${memory.toFixed(0)} MiB charged`);
    expect(cores).toBeGreaterThan(0);
    expect(memory).toBeGreaterThan(10);
  } finally {
    await ssh.close();
  }
}
