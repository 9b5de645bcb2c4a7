/**
 * Scenarios as data, end to end on the test bed (real kube-apiserver with Pod Security Admission, RBAC,
 * ValidatingAdmissionPolicy and server-side dry run; KWOK nodes; real sshd + sysstat hosts): a fifth
 * scenario of the worker's own (docs/scenarios.md's example, written into a temporary config folder:
 * `resource-limits` plus a custom pack with an admission policy) runs with the three presets, is reset to zero leftovers and appears in the
 * report; the attack battery's outcomes are the API server's own decisions.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hardenlabHome } from '../../src/config/paths';
import type { ScenarioRecord } from '../../src/domain/contracts';
import type { ExperimentResult } from '../../src/domain/progress';
import { ATTACK_IDS, SCENARIO_DEFINITIONS_FILE } from '../../src/domain/scenarios';
import { loadPack, manifestDigest } from '../../src/scenarios/packs';
import { defaultToolBinaries } from '../../src/tools/install';
import { recordHistories } from '../support/histories';
import { listRunObjects } from '../support/leftovers';
import { writeReadmeScenario } from '../support/readmeScenario';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { TESTBED_ENVIRONMENT, workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun } from '../support/workerRun';

jest.setTimeout(10 * 60_000);

let testbed: Testbed;
let folder: string;
let result: ExperimentResult;
const records = new Map<string, ScenarioRecord>();

beforeAll(async () => {
  testbed = await ensureTestbed();
  folder = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-scenarios-it-'));
  // docs/scenarios.md's complete example: `resource-limits` plus a pack of the worker's own (an admission policy).
  expect(await writeReadmeScenario(folder)).toHaveLength(3);
  // kube-bench as the worker config may name it on a node (the worker's build: the test bed's nodes are this machine),
  // so each run does not upload 58 MB over SFTP first (about 35 s a run here; staging is tools.test.ts's).
  const kubeBench = path.join(defaultToolBinaries(process.env).kubeBenchDir, 'kube-bench');
  const env = await workerConfigEnv(folder, { experiment: { ...TESTBED_ENVIRONMENT, tools: { kubeBench: { binaryPath: kubeBench } } } });
  const suffix = Date.now().toString(36);
  const run = await startWorkerRun({ dir: folder, taskQueue: `it-scenarios-${suffix}`, env });
  try {
    const started = Date.now();
    result = await run.client.workflow.execute('securityExperiment', {
      taskQueue: run.temporal.taskQueue,
      workflowId: `it-scenarios-${suffix}`,
      // Short windows keep the file near two minutes. Audits on: kube-bench's node mode over SSH and kube-hunter's
      // remote mode are what the KWOK test bed runs for real (tools.test.ts), after every window but security-tools'.
      args: [
        {
          scenarios: ['baseline', 'best-practices', 'security-tools', 'limits-plus'],
          window: { durationSeconds: 6, intervalSeconds: 2, healthCheckSeconds: 6 },
          workload: { loadBalancerWaitSeconds: 1 },
          tools: {
            auditAfterWindow: true,
            kubeBench: { mode: 'node' },
            kubeHunter: { modes: ['remote'] },
            trivy: { modes: ['misconfig'] },
          },
          bootTime: { measure: false },
        },
      ],
      workflowExecutionTimeout: '10 minutes',
    });
    console.log(`four scenarios with the attack battery on the test bed: ${Math.round((Date.now() - started) / 1000)} s`);
    // The suite's one run of every preset on the test bed: its histories are the 'testbed' replay fixtures when recording.
    await recordHistories(run.server.address, 'testbed', [`it-scenarios-${suffix}`, ...result.scenarios.map((s) => s.workflowId)]);
  } finally {
    await run.stop();
  }
  for (const s of result.scenarios) {
    records.set(
      s.scenario,
      JSON.parse(await fs.readFile(path.join(hardenlabHome(), s.artifactKey, 'scenario-record.json'), 'utf8')) as ScenarioRecord,
    );
  }
});
afterAll(() => fs.rm(folder, { recursive: true, force: true }));

const attack = (scenario: string, id: string) => records.get(scenario)!.attacks!.attempts.find((a) => a.id === id)!;

test('a scenario of the worker’s own runs with the three presets, is reset to zero leftovers and is in the report', async () => {
  expect(result.scenarios.map((s) => [s.scenario, s.status, s.error ?? '']).sort()).toEqual([
    ['baseline', 'completed', ''],
    ['best-practices', 'completed', ''],
    ['limits-plus', 'completed', ''],
    ['security-tools', 'completed', ''],
  ]);
  expect(result.partial).toBe(false);
  expect(await fs.readFile(result.htmlPath!, 'utf8')).toContain('<svg');
  for (const record of records.values()) {
    // The thesis's deploy, and every node sampled at 2 s over the 6-s window.
    const nodes = record.collect?.nodes ?? [];
    expect([record.scenario, record.deploy?.replicas, nodes.length]).toEqual([record.scenario, 5, testbed.nodeNames.length]);
    for (const node of nodes) expect([record.scenario, node.node, node.cpuSamples >= 2]).toEqual([record.scenario, node.node, true]);
  }
  // The preset applies its built-in packs; every check of them passes.
  expect(records.get('best-practices')!.packs!.packs.map((p) => p.name)).toEqual(['pod-security', 'rbac', 'network-policy']);
  const user = records.get('limits-plus')!;
  expect(user.definition).toMatchObject({ source: path.join(folder, 'scenarios', 'limits-plus.yaml'), tools: [], hardenedWorkload: false });
  expect(user.packs!.packs.flatMap((p) => p.objects.map((o) => `${p.name}: ${o.kind} ${o.name}`))).toEqual([
    'resource-limits: LimitRange hardenlab-container-defaults',
    'resource-limits: ResourceQuota hardenlab-namespace-quota',
    'no-token-automount: ValidatingAdmissionPolicy no-token-automount',
    'no-token-automount: ValidatingAdmissionPolicyBinding no-token-automount',
  ]);
  expect(user.packs!.evidence.map((e) => [e.check, e.passed])).toEqual([
    ["pack resource-limits: every object is on the cluster with the run's labels", true],
    ["pack no-token-automount: every object is on the cluster with the run's labels", true],
  ]);
  expect(records.get('best-practices')!.packs!.evidence.every((e) => e.passed)).toBe(true);
  expect(records.get('security-tools')!.tools?.map((t) => `${t.tool}/${t.mode}`)).toEqual([
    'kube-bench/node',
    'kube-hunter/remote',
    'trivy/misconfig',
  ]);

  for (const record of records.values()) {
    expect([record.scenario, record.reset?.leftovers]).toEqual([record.scenario, []]);
    // Checked from outside too: nothing labelled with the run, of any kind, namespaced or cluster-scoped.
    expect([record.scenario, await listRunObjects(testbed.kubeconfigPath, record.runId)]).toEqual([record.scenario, []]);
  }
  expect(records.get('limits-plus')!.reset!.removed.map((r) => r.kind)).toEqual(
    expect.arrayContaining(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Namespace']),
  );

  const markdown = await fs.readFile(path.join(path.dirname(result.htmlPath!), 'report.md'), 'utf8');
  expect(markdown).toContain('limits-plus (1/1 repetitions completed)');
  // The policy denies the token; RBAC's default deny refuses the unbound test user; KWOK runs no traffic.
  expect(markdown).toMatch(
    new RegExp(
      String.raw`\| limits-plus \| #1 \| 4 \| 7 \| 1 \| 0 \| automount-sa-token, read-secrets, pod-in-other-namespace, ` +
        String.raw`escalate-rolebinding \| 1 of 1 met \| \d+ fail, \d+ warn \(node\) \| \d+ vulnerabilities \(remote\) \|`,
    ),
  );
  expect(markdown).toContain('## Scenarios as applied');
});

test('the attack battery: baseline allows the privileged pod, best-practices denies it, from real admission decisions', () => {
  expect(attack('baseline', 'privileged-pod')).toMatchObject({ outcome: 'allowed' });
  expect(attack('best-practices', 'privileged-pod')).toMatchObject({
    outcome: 'denied',
    message: expect.stringMatching(/violates PodSecurity "restricted:latest": privileged/),
  });
  const outcomes = (scenario: string) => Object.fromEntries(records.get(scenario)!.attacks!.attempts.map((a) => [a.id, a.outcome]));
  expect(outcomes('baseline')).toEqual({
    'privileged-pod': 'allowed',
    'host-path-root': 'allowed',
    'host-network': 'allowed',
    'host-pid': 'allowed',
    'run-as-root': 'allowed',
    'cap-net-raw': 'allowed',
    'cap-sys-admin': 'allowed',
    'automount-sa-token': 'allowed',
    // The test user has no grant at all without the rbac pack: Kubernetes' default-deny RBAC refuses.
    'read-secrets': 'denied',
    'pod-in-other-namespace': 'denied',
    'escalate-rolebinding': 'denied',
    'cross-namespace-traffic': 'not-enforceable',
  });
  expect(outcomes('best-practices')).toEqual({
    'privileged-pod': 'denied',
    'host-path-root': 'denied',
    'host-network': 'denied',
    'host-pid': 'denied',
    'run-as-root': 'denied',
    'cap-net-raw': 'denied',
    'cap-sys-admin': 'denied',
    'automount-sa-token': 'allowed',
    'read-secrets': 'denied',
    'pod-in-other-namespace': 'denied',
    'escalate-rolebinding': 'denied',
    'cross-namespace-traffic': 'not-enforceable',
  });
  expect(attack('limits-plus', 'automount-sa-token')).toMatchObject({
    outcome: 'denied',
    message: expect.stringContaining('pods must not automount a service-account token'),
  });
  expect(attack('limits-plus', 'privileged-pod').outcome).toBe('allowed');
  expect(attack('best-practices', 'read-secrets').message).toMatch(/User "tester" cannot list resource "secrets"/);
  expect(attack('best-practices', 'escalate-rolebinding').message).toMatch(/User "tester" cannot create resource "rolebindings"/);
  expect(attack('baseline', 'cross-namespace-traffic').message).toBe(
    'not enforceable on this cluster: every node is KWOK-simulated, so no pod runs and no packet flows',
  );
});

test("best-practices' expected denials (its packs' expected-denials.yaml) are all met, from real admission and RBAC decisions", async () => {
  const bp = records.get('best-practices')!;
  const expected = bp.definition!.packs.flatMap((p) => (p.expectedDenials ?? []).map((id) => `${p.name}: ${id}`));
  expect(expected).toEqual([
    'pod-security: privileged-pod',
    'pod-security: host-path-root',
    'pod-security: host-network',
    'pod-security: host-pid',
    'pod-security: run-as-root',
    'pod-security: cap-net-raw',
    'pod-security: cap-sys-admin',
    'rbac: read-secrets',
    'rbac: pod-in-other-namespace',
    'rbac: escalate-rolebinding',
  ]);
  for (const entry of expected) expect([entry, attack('best-practices', entry.split(': ')[1]!).outcome]).toEqual([entry, 'denied']);
  // Every battery attempt is one an expected-denials file may name.
  expect(bp.attacks!.attempts.map((a) => a.id)).toEqual([...ATTACK_IDS]);
  const markdown = await fs.readFile(path.join(path.dirname(result.htmlPath!), 'report.md'), 'utf8');
  expect(markdown).toMatch(/\| best-practices \| #1 \| 10 \| 1 \| 1 \| 0 \| [a-z, -]+ \| 10 of 10 met \|/);
  expect(markdown).toContain('| privileged-pod: privileged container | the worker (dry run) | allowed | denied (expected) |');
  expect(markdown).not.toContain('expected denied by pack');
});

test('audits on: every scenario gets findings from real kube-bench, kube-hunter and Trivy runs, after its window and apart from the window’s tools', async () => {
  const audits = (scenario: string) => records.get(scenario)!.audits!;
  for (const scenario of ['baseline', 'best-practices', 'limits-plus']) {
    const record = records.get(scenario)!;
    expect([
      scenario,
      audits(scenario).runs.map((r) => `${r.tool}/${r.mode}/${r.outcome}`),
      audits(scenario).failures,
      record.tools,
    ]).toEqual([scenario, ['kube-bench/node/ok', 'kube-hunter/remote/ok', 'trivy/misconfig/ok'], [], undefined]);
    const [bench, hunter, trivy] = audits(scenario).runs;
    expect([scenario, bench!.counts.fail! > 0, hunter!.counts.vulnerabilities! > 0, trivy!.counts.failures! > 0]).toEqual([
      scenario,
      true,
      true,
      true,
    ]);
    // After the window (sampling ended), and the findings under the scenario's audit/ folder, beside the window's.
    for (const run of audits(scenario).runs) {
      expect([scenario, run.tool, run.start >= record.sampling!.endedAt!]).toEqual([scenario, run.tool, true]);
      expect(run.findingsFile).toBe(`${record.artifactKey}/audit/tools/${run.tool}-${run.mode}.findings.json`);
      const doc = JSON.parse(await fs.readFile(path.join(hardenlabHome(), run.findingsFile!), 'utf8')) as {
        findings: unknown[];
        totals: Record<string, number>;
        command: string;
      };
      expect(doc.totals).toEqual(run.counts);
      const binaries = defaultToolBinaries(process.env);
      expect(
        doc.command.startsWith(
          run.tool === 'kube-bench' ? binaries.kubeBenchDir : run.tool === 'trivy' ? binaries.trivy : binaries.kubeHunter,
        ),
      ).toBe(true);
      console.log(
        `audit of ${scenario}: ${run.tool} ${run.mode} ${((run.end - run.start) / 1000).toFixed(1)} s, ${JSON.stringify(run.counts)}`,
      );
    }
  }
  // security-tools ran all three inside its window: those runs stand for its audit.
  expect(audits('security-tools')).toEqual({ runs: [], failures: [], ranInWindow: ['kube-bench', 'kube-hunter', 'trivy'] });
  const markdown = await fs.readFile(path.join(path.dirname(result.htmlPath!), 'report.md'), 'utf8');
  expect(markdown).toMatch(
    new RegExp(
      String.raw`\| security-tools \| #1 \|[^\n]* \| \d+ fail, \d+ warn \(node, in the window\) ` +
        String.raw`\| \d+ vulnerabilities \(remote, in the window\) \| \d+ failed checks on resources \(misconfig, in the window\) \|`,
    ),
  );
  // Trivy's findings are in the report: its failed checks, by resource count.
  expect(markdown).toMatch(/^- Trivy (CRITICAL|HIGH|MEDIUM|LOW) KSV-?\d+ .+: \d+ resource\(s\)$/m);
  // The CPU charts shade the window's tool runs only.
  const toolRuns = async (scenario: string) =>
    (
      JSON.parse(await fs.readFile(path.join(hardenlabHome(), records.get(scenario)!.artifactKey, 'scenario-data.json'), 'utf8')) as {
        timings: { toolRuns?: { tool: string }[] };
      }
    ).timings.toolRuns;
  expect(await toolRuns('baseline')).toBeUndefined();
  expect((await toolRuns('security-tools'))!.map((t) => t.tool)).toEqual(['kube-bench', 'kube-hunter', 'trivy']);
});

test('the experiment records every scenario definition with a sha256 of each manifest as written', async () => {
  const experimentDir = path.dirname(path.dirname(result.htmlPath!)); // <experiment folder>/report/report.html
  const saved = JSON.parse(await fs.readFile(path.join(experimentDir, SCENARIO_DEFINITIONS_FILE), 'utf8')) as {
    definitions: { name: string; manifests: { file: string; pack: string; sha256: string }[] }[];
  };
  expect(saved.definitions.map((d) => d.name)).toEqual(['baseline', 'best-practices', 'security-tools', 'limits-plus']);
  const own = await loadPack('no-token-automount', path.join(folder, 'packs', 'no-token-automount'), 'test');
  const recorded = saved.definitions[3]!.manifests.filter((m) => m.pack === 'no-token-automount').map((m) => m.sha256);
  expect(recorded).toEqual(own.pack!.manifests.map((m) => manifestDigest(m.manifest)));
  expect(recorded).toHaveLength(2);
});
