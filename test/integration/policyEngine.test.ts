/**
 * The policy engine that never becomes ready, on the real-node test bed: the worker's engine source gives the image
 * the bed's registry serves (pinned by the digest it recorded); with an image nobody serves, the pack fails naming
 * what, registers no webhook, and reset leaves the cluster admitting pods. The engine that comes up, its webhook's
 * denials naming the constraint and its reset are asserted in two workflow runs by realNodesLoadRun.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as path from 'node:path';
import type { PolicyEngineSetup } from '../../src/config/policyEngine';
import { defaultPolicyEngine } from '../../worker/engineSource';
import type { ApplyPacksRequest } from '../../src/domain/contracts';
import { applyPacks } from '../../src/scenarios/applyPacks';
import { loadKubeClient } from '../../src/kube/client';
import { namespaceManifest } from '../../src/kube/manifests';
import { compliantPod } from '../../src/kube/battery';
import { resetRun } from '../../src/kube/reset';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { resolveScenarios } from '../../src/scenarios/resolveScenarios';
import type { TestbedUpResult } from '../../src/testbed';
import { realNodesUnsupported } from '../../src/testbed/realNodes';
import { ACCESS_INSTANCE } from '../support/accessBed';
import { engineRemains } from '../support/engineLeftovers';
import { laneRealBed, resetRunsAtFileEnd } from '../support/realLane';
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
  const deadRunId = `it-engine-dead-${process.pid}`;
  resetRunsAtFileEnd('nodeaccess', ACCESS_INSTANCE, [deadRunId], log);

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

  test('an engine never ready fails naming what, registers no webhook, and reset leaves the cluster admitting pods', async () => {
    const { req, packs } = await scenarioRequest(deadRunId);
    // An image the registry does not serve: the pod never starts.
    const dead = { ...setup, image: `docker.io/hardenlab/gatekeeper@sha256:${'0'.repeat(64)}` };
    const started = Date.now();
    const failure = await applyPacks(admin, req, packs, { setup: dead, readyTimeoutMs: 30_000, tempDir: home }).catch((e: unknown) => e);
    log(`failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(failure as Error).message}`);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect([(failure as ApplicationFailure).type, (failure as ApplicationFailure).nonRetryable]).toEqual(['PolicyEngineNotReady', true]);
    expect((failure as Error).message).toMatch(/within 30 s: Deployment hardenlab-gatekeeper in \S+ has no available pod/);
    expect((failure as Error).message).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect((await admin.list('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration')).items).toEqual([]);

    const reset = await resetRun(admin, { runId: req.runId }, { now: Date.now, timeoutMs: 180_000, pollIntervalMs: 1_000, log });
    expect(reset.leftovers).toEqual([]);
    expect(await engineRemains(admin)).toEqual([]);
    const probe = compliantPod({ runId: req.runId, namespace: 'default' }, 'hardenlab-after-engine');
    await expect(admin.create(probe, { dryRun: true })).resolves.toMatchObject({ kind: 'Pod' });
  });
});
