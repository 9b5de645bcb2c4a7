/**
 * Trivy for real on the KWOK test bed: the binary built from its Go module, run by the activity on this (worker) host
 * against the bed's kubeconfig, offline. Every proxy variable points at a closed local port while it runs, so a
 * download it tried would fail the run. The thesis's workload as deployed (root) and its hardened variant each get a
 * namespace: Trivy must find the first's misconfigurations and fewer on the second.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createToolActivities, type ToolActivityDeps } from '../../activities/tools';
import { experimentSchema } from '../../src/config/experiment';
import type { ClusterRef, ToolRunRequest, ToolRunSummary } from '../../src/domain/contracts';
import { loadKubeClient } from '../../src/kube/client';
import { APP_NAME, namespaceManifest, workloadDeployment } from '../../src/kube/manifests';
import type { KubeClient } from '../../src/kube/kubeObjects';
import { Ssh2Connector } from '../../src/ssh';
import { ArtifactStore } from '../../src/store/artifactStore';
import type { FindingsDocument } from '../../src/tools/findings';
import { defaultToolBinaries } from '../../src/tools/install';
import { loadToolKubeClient } from '../../src/tools/kubeAccess';
import { tempDir } from '../support/tempDir';
import { ensureTestbed } from '../support/testbed';
import { namespaceClosureViolations } from '../../src/testbed/realNodes';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

jest.setTimeout(20 * 60_000);

const stamp = Date.now().toString(36);
const runId = `it-trivy-${stamp}`;
const rootNs = `hl-it-trivy-root-${stamp}`;
const hardenedNs = `hl-it-trivy-hard-${stamp}`;
const OFFLINE = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost' };

let cluster: ClusterRef;
/** The lane's own API server address: the kubeconfig's server host, which Trivy names as its target. */
let apiAddress: string;
let kube: KubeClient;
let work: string;
let workerTemp: string;
let store: ArtifactStore;
let deps: ToolActivityDeps;
const saved: Record<string, string | undefined> = {};

function request(tools: Record<string, unknown> = {}): ToolRunRequest {
  return { runId, cluster, namespace: rootNs, tools: experimentSchema.parse({ tools }).tools, artifactKey: `runs/${runId}` };
}

async function findings(summary: ToolRunSummary): Promise<FindingsDocument> {
  return JSON.parse(await fs.readFile(path.join(store.root, summary.findingsFile!), 'utf8')) as FindingsDocument;
}

function logSummary(summary: ToolRunSummary): void {
  const seconds = ((summary.end - summary.start) / 1000).toFixed(1);
  process.stderr.write(
    `[trivy] ${summary.mode} on ${summary.target}: ${summary.outcome}, ${seconds} s, ${JSON.stringify(summary.counts)}\n`,
  );
}

beforeAll(async () => {
  const testbed = await ensureTestbed();
  cluster = { provider: 'local', kubeconfigPath: testbed.kubeconfigPath, nodeMapPath: testbed.nodeMapPath };
  apiAddress = testbed.instance.apiAddress!;
  kube = await loadKubeClient(cluster);
  const workload = experimentSchema.parse({}).workload;
  for (const [namespace, hardened] of [
    [rootNs, false],
    [hardenedNs, true],
  ] as const) {
    await kube.apply(namespaceManifest({ runId, namespace }));
    await kube.apply(workloadDeployment({ runId, namespace }, workload, { hardened, replicas: 1 }));
  }
  work = await tempDir('hardenlab-it-trivy-');
  workerTemp = path.join(work, 'worker-tmp');
  await fs.mkdir(workerTemp);
  store = new ArtifactStore(path.join(work, 'store'));
  deps = {
    loadNodeMap,
    ssh: new Ssh2Connector(),
    kube: (ref) => loadToolKubeClient(ref),
    store,
    binaries: defaultToolBinaries(process.env),
    workerTempDir: workerTemp,
    timeouts: { trivyMs: 10 * 60_000 },
    env: process.env,
    namespaceClosureViolations: (namespace) => namespaceClosureViolations(namespace, process.env),
  };
  for (const [key, value] of Object.entries(OFFLINE)) [saved[key], process.env[key]] = [process.env[key], value];
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const namespace of [rootNs, hardenedNs]) await kube?.delete('v1', 'Namespace', namespace).catch(() => undefined);
});

describe('Trivy on the worker host against the test bed, offline', () => {
  let misconfig: FindingsDocument;

  it("misconfig mode finds the thesis workload's misconfigurations, and fewer on its hardened variant", async () => {
    const summary = await createToolActivities(deps).runTrivy({ ...request(), mode: 'misconfig' });
    logSummary(summary);
    expect(summary).toMatchObject({
      tool: 'trivy',
      mode: 'misconfig',
      target: apiAddress,
      outcome: 'ok',
      version: deps.binaries.trivyVersion,
    });
    misconfig = await findings(summary);
    expect(summary.counts.failures).toBe(misconfig.findings.length);
    const on = (namespace: string) => misconfig.findings.filter((f) => f.location === `${namespace}/Deployment/${APP_NAME}`);
    const rootIds = new Set(on(rootNs).map((f) => f.id));
    const hardenedIds = new Set(on(hardenedNs).map((f) => f.id));
    expect(rootIds.size).toBeGreaterThan(3);
    expect(hardenedIds.size).toBeLessThan(rootIds.size);
    // runAsNonRoot, allowPrivilegeEscalation, readOnlyRootFilesystem: set in the hardened variant only.
    const hardenedAway = [...rootIds].filter((id) => !hardenedIds.has(id));
    expect(hardenedAway.length).toBeGreaterThanOrEqual(3);
    expect(
      on(rootNs)
        .map((f) => `${f.title} ${f.evidence}`)
        .join('\n'),
    ).toMatch(/root/i);
    expect(misconfig.command).toContain('--skip-db-update');
    expect(misconfig.command).toContain('--skip-check-update');
    expect(misconfig.command).not.toContain(workerTemp);
  });

  it("compliance mode reports every CIS control, with the thesis workload among a failing control's resources", async () => {
    const summary = await createToolActivities(deps).runTrivy({ ...request(), mode: 'compliance' });
    logSummary(summary);
    const doc = await findings(summary);
    expect(doc.benchmark).toBe('k8s-cis-1.23');
    expect(summary.counts.controls).toBe(doc.findings.length);
    expect(summary.counts.controls).toBeGreaterThan(50);
    expect(summary.counts.fail).toBeGreaterThan(0);
    expect(summary.counts.pass! + summary.counts.fail! + summary.counts.manual!).toBe(summary.counts.controls);
    const failedEvidence = doc.findings
      .filter((f) => f.status === 'FAIL')
      .map((f) => f.evidence)
      .join('\n');
    expect(failedEvidence).toContain(APP_NAME);
  });

  it('leaves nothing behind: no node-collector namespace or Job in the cluster, no private folder on the worker', async () => {
    expect(await kube.get('v1', 'Namespace', 'trivy-temp')).toBeNull();
    expect(await fs.readdir(workerTemp)).toEqual([]);
  });

  it('says where Trivy is missing, as a non-retryable ToolMissing', async () => {
    const error = await createToolActivities(deps)
      .runTrivy({ ...request({ trivy: { binaryPath: path.join(work, 'no-trivy') } }), mode: 'misconfig' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'ToolMissing', nonRetryable: true });
    expect((error as Error).message).toContain(`Trivy is not installed at ${path.join(work, 'no-trivy')}`);
  });
});
