/** A scenario's record joins the collected series and reaches the report, skipped steps included. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createRecordActivities } from '../../../activities/records';
import { createReportActivities } from '../../../activities/report';
import type { ScenarioRecord } from '../../../src/domain/contracts';
import type { NodeSeries } from '../../../src/domain/samples';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { tempDir } from '../../support/tempDir';

jest.setTimeout(60_000);

function series(node: string, start: number, n: number): NodeSeries {
  const cpu = Array.from({ length: n }, (_, i) => ({ time: start + i * 1000, used: 10 + (i % 5), user: 5, nice: 0, system: 5, iowait: 0, steal: 0, idle: 90 - (i % 5) }));
  const memory = Array.from({ length: n }, (_, i) => ({ time: start + i * 1000, memUsedPercent: 40 + (i % 3), fields: { kbmemfree: 1000 } }));
  return { node, cpu, memory };
}

test('recordScenario writes the report input; the report lists a skipped step', async () => {
  const store = new ArtifactStore(await tempDir('hardenlab-records-'));
  const key = 'experiments/exp-r/best-practices/1';
  const start = Date.UTC(2026, 10, 27, 10);
  await store.writeJson(key, 'nodes/n1/series.json', series('n1', start, 30));
  await store.writeJson(key, 'nodes/n1/sampling.json', { gaps: [{ node: 'n1', start: start + 5000, end: start + 9000, reason: 'sampler restarted' }] });
  const record: ScenarioRecord = {
    scenario: 'best-practices', repetition: 1, runId: 'r', workflowId: 'exp-r/best-practices/1', namespace: 'hl-bp-r1-x', artifactKey: key, status: 'completed',
    steps: [
      { step: 'deploy', status: 'ok', attempts: 1, start, end: start + 2000 },
      { step: 'harden', status: 'skipped', attempts: 2, start, end: start + 3000, error: 'KubeForbidden: roles.rbac.authorization.k8s.io is forbidden' },
    ],
    deploy: { image: 'x', rolloutSeconds: 1.5, scaleUpSeconds: 0.5, replicas: 5, service: { type: 'LoadBalancer', address: null, pending: true }, events: [] },
    collect: { nodes: [{ node: 'n1', cpuSamples: 30, memorySamples: 30, rawFile: 'x' }], samplerOverhead: [{ node: 'n1', cpuSeconds: 0.1, maxRssKiB: 2000 }] },
    sampling: { startedAt: start, intervalSeconds: 1, gaps: [{ node: 'n1', start: start + 5000, end: start + 9000, reason: 'sampler restarted' }] },
  };
  const { recordScenario } = createRecordActivities({ store });
  await recordScenario(record);
  await recordScenario(record); // idempotent

  const data = await store.readJson<{ nodes: NodeSeries[]; gaps: unknown[]; stepsNotRun: unknown[] }>(key, 'scenario-data.json');
  expect(data.nodes[0]!.cpu).toHaveLength(30);
  expect(data.gaps).toHaveLength(1); // the same gap from the record and the node's file, kept once
  expect(data.stepsNotRun).toEqual([{ step: 'harden', status: 'skipped', error: 'KubeForbidden: roles.rbac.authorization.k8s.io is forbidden' }]);

  const report = await createReportActivities({ artifactsRoot: store.root }).buildReport({ experimentId: 'exp-r', experimentDir: 'experiments/exp-r' });
  const md = await fs.readFile(path.join(report.reportDir, 'report.md'), 'utf8');
  expect(md).toContain('harden skipped (KubeForbidden');
});

test("recordScenario carries each node's identity and the findings' details to the report", async () => {
  const store = new ArtifactStore(await tempDir('hardenlab-records-'));
  const key = 'experiments/exp-i/security-tools/1';
  const start = Date.UTC(2026, 10, 27, 10);
  const identity = (node: string) => ({ node, machineId: 'same-machine', bootId: 'b-1', kernel: '6.1.0', procStatLxcfs: false, cpus: 2 });
  for (const node of ['n1', 'n2']) {
    await store.writeJson(key, `nodes/${node}/series.json`, series(node, start, 30));
    await store.writeJson(key, `nodes/${node}/sampling.json`, { gaps: [], identity: identity(node) });
  }
  const finding = { tool: 'kube-bench', mode: 'node', target: 'n1', id: '1.1.1', title: 'Ensure the API server pod file permissions are 600', status: 'FAIL', section: '1.1', description: 'long text', remediation: 'chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml' };
  await store.writeJson('.', `${key}/tools/kube-bench-node.findings.json`, { tool: 'kube-bench', mode: 'node', findings: [finding] });
  const record: ScenarioRecord = {
    scenario: 'security-tools', repetition: 1, runId: 'r', workflowId: 'exp-i/security-tools/1', namespace: 'hl-st-r1-x', artifactKey: key, status: 'completed',
    steps: [],
    tools: [{ tool: 'kube-bench', mode: 'node', target: 'n1', start, end: start + 4000, outcome: 'ok', counts: { fail: 1 }, findingsFile: `${key}/tools/kube-bench-node.findings.json`, warnings: [] }],
    collect: { nodes: ['n1', 'n2'].map((node) => ({ node, cpuSamples: 30, memorySamples: 30, rawFile: 'x' })), samplerOverhead: [] },
  };
  await createRecordActivities({ store }).recordScenario(record);
  const data = await store.readJson<{ nodeIdentity: unknown[]; findings: unknown[] }>(key, 'scenario-data.json');
  expect(data.nodeIdentity).toEqual([identity('n1'), identity('n2')]);
  const { description: _description, ...shown } = finding;
  expect(data.findings).toEqual([shown]);

  const report = await createReportActivities({ artifactsRoot: store.root }).buildReport({ experimentId: 'exp-i', experimentDir: 'experiments/exp-i' });
  const html = await fs.readFile(report.htmlPath, 'utf8');
  expect(html).toMatch(/data-trust="shared-host"><span class="badge">check<\/span> <strong>nodes share one host: per-node figures are not independent<\/strong><br><span class="detail">Same \/etc\/machine-id on n1, n2\.<\/span>/);
  expect(html).toContain('<td>chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml</td>');
});

test('audits after the window reach the report apart from the window’s tool runs (the charts shade only those)', async () => {
  const store = new ArtifactStore(await tempDir('hardenlab-records-'));
  const key = 'experiments/exp-a/limits-plus/1';
  const start = Date.UTC(2026, 10, 27, 10);
  await store.writeJson(key, 'nodes/n1/series.json', series('n1', start, 30));
  const run = (tool: 'kube-bench' | 'kube-hunter', mode: string, at: number, counts: Record<string, number>) => ({ tool, mode, target: 'n1', start: at, end: at + 2000, outcome: 'ok' as const, counts, warnings: [] });
  const record: ScenarioRecord = {
    scenario: 'limits-plus', repetition: 1, runId: 'r', workflowId: 'exp-a/limits-plus/1', namespace: 'hl-limits-plus-r1-x', artifactKey: key, status: 'completed',
    steps: [{ step: 'audit', status: 'failed', attempts: 1, start: start + 40_000, end: start + 41_000, error: 'kube-hunter pod: Job did not finish' }],
    sampling: { startedAt: start, endedAt: start + 30_000, intervalSeconds: 1, gaps: [] },
    // The scenario runs kube-hunter inside its window; the audit adds kube-bench after it (kube-hunter's pod mode failed).
    tools: [run('kube-hunter', 'remote', start + 1000, { vulnerabilities: 2 })],
    audits: { runs: [run('kube-bench', 'node', start + 35_000, { pass: 1, fail: 4, warn: 5, info: 0 })], failures: [{ tool: 'kube-hunter', mode: 'pod', error: 'Job did not finish' }], ranInWindow: ['kube-hunter'] },
    attacks: { attempts: [{ id: 'privileged-pod', title: 'privileged container', category: 'pod-security', as: 'the worker (dry run)', outcome: 'allowed', message: 'accepted' }] },
    collect: { nodes: [{ node: 'n1', cpuSamples: 30, memorySamples: 30, rawFile: 'x' }], samplerOverhead: [] },
  };
  await createRecordActivities({ store }).recordScenario(record);
  const data = await store.readJson<{ timings: { toolRuns: { tool: string }[] }; audits: unknown[] }>(key, 'scenario-data.json');
  expect(data.timings.toolRuns.map((t) => t.tool)).toEqual(['kube-hunter']);
  expect(data.audits).toEqual([
    { tool: 'kube-hunter', mode: 'remote', target: 'n1', inWindow: true, outcome: 'ok', counts: { vulnerabilities: 2 } },
    { tool: 'kube-bench', mode: 'node', target: 'n1', inWindow: false, outcome: 'ok', counts: { pass: 1, fail: 4, warn: 5, info: 0 } },
    { tool: 'kube-hunter', mode: 'pod', inWindow: false, outcome: 'failed', counts: {}, error: 'Job did not finish' },
  ]);

  const report = await createReportActivities({ artifactsRoot: store.root }).buildReport({ experimentId: 'exp-a', experimentDir: 'experiments/exp-a' });
  const md = await fs.readFile(path.join(report.reportDir, 'report.md'), 'utf8');
  expect(md).toContain('| limits-plus | #1 | 0 | 1 | 0 | 0 | — | — | 4 fail, 5 warn (node) | 2 vulnerabilities (remote, in the window); failed (pod) |');
  const summary = JSON.parse(await fs.readFile(path.join(report.reportDir, 'summary.json'), 'utf8')) as { scenarios: { runs: { toolRuns: { tool: string }[] }[] }[] };
  expect(summary.scenarios[0]!.runs[0]!.toolRuns.map((t) => t.tool)).toEqual(['kube-hunter']);
});
