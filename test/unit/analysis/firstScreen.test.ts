import { buildReportModel, nodeFactsView, sharedHostCheck, type NodeIdentity, type ScenarioRunData } from '../../../src/analysis/model';
import { welchTTest } from '../../../src/analysis/stats';
import { fixtureExperiment } from './support/fixtures';

const kwokFacts = {
  provider: 'local',
  kubernetesVersion: 'v1.33.0',
  nodeCount: 3,
  nodes: ['n1', 'n2', 'n3'].map((name) => ({ name, kubeletVersion: 'kwok-v0.7.0', internalIP: '127.0.0.11' })),
};
const id = (node: string, machineId: string, bootId: string, procStatLxcfs?: boolean): NodeIdentity => ({
  node,
  machineId,
  bootId,
  kernel: '6.1.0-18-amd64',
  ...(procStatLxcfs === undefined ? {} : { procStatLxcfs }),
});
const noFacts = { kwokNodes: [] };

describe('shared-host rules on node identities', () => {
  it('the same machine-id on several nodes is one host: per-node figures are not independent', () => {
    const item = sharedHostCheck([id('n1', 'aaa', 'b1'), id('n2', 'aaa', 'b1'), id('n3', 'ccc', 'b3')], noFacts);
    expect(item).toEqual(
      expect.objectContaining({ id: 'shared-host', level: 'warn', title: 'nodes share one host: per-node figures are not independent' }),
    );
    expect(item.detail).toBe('Same /etc/machine-id on n1, n2.');
  });
  it("the test bed's KWOK nodes are flagged from the cluster facts alone", () => {
    const view = nodeFactsView(kwokFacts);
    expect(view).toEqual({ provider: 'local', kwokNodes: ['n1', 'n2', 'n3'] });
    const item = sharedHostCheck([], view);
    expect(item.level).toBe('warn');
    expect(item.title).toContain('nodes share one host');
    expect(item.detail).toMatch(/^n1, n2, n3 are KWOK nodes \(simulated kubelet, provider local\)/);
  });
  it('system containers on one kernel with lxcfs are an info note, not a shared-/proc warning', () => {
    const item = sharedHostCheck([id('n1', 'm1', 'boot', true), id('n2', 'm2', 'boot', true), id('n3', 'm3', 'boot', true)], noFacts);
    expect(item.level).toBe('info');
    expect(item.title).toBe('nodes are system containers on one kernel; CPU and memory are isolated by cgroups and lxcfs');
    expect(item.title).not.toContain('share one host');
  });
  it('one kernel without lxcfs means every node reads the host’s /proc: a warning', () => {
    const item = sharedHostCheck([id('n1', 'm1', 'boot', true), id('n2', 'm2', 'boot', false)], noFacts);
    expect(item.level).toBe('warn');
    expect(item.detail).toContain('without lxcfs');
  });
  it('separate machines pass; missing identities say so instead of passing', () => {
    expect(sharedHostCheck([id('n1', 'm1', 'b1'), id('n2', 'm2', 'b2')], noFacts)).toEqual(
      expect.objectContaining({ level: 'ok', title: '2 separate machines' }),
    );
    expect(sharedHostCheck([], noFacts)).toEqual(
      expect.objectContaining({ level: 'info', title: 'node identity not recorded: shared hosts cannot be ruled out' }),
    );
    expect(nodeFactsView({ kubernetesVersion: 'v1.31.4', nodes: 3 })).toEqual({ kwokNodes: [] });
  });
});

describe('the first screen is computed from the figures', () => {
  const data = fixtureExperiment();
  const model = buildReportModel(data, { generatedAt: '2026-12-01T00:00:00Z' });
  const trust = (m: typeof model, which: string) => m.firstScreen.trust.find((t) => t.id === which)!;

  it("one sentence per scenario with the difference, Welch's CI and p and the repetitions", () => {
    const [baseline, , tools] = model.scenarios;
    const cpu = tools!.acrossRepetitions.cpuMean.vsBaseline!;
    const w = welchTTest(tools!.acrossRepetitions.cpuMean.values, baseline!.acrossRepetitions.cpuMean.values)!;
    expect(cpu.welch).toEqual(w);
    const sentences = model.firstScreen.sentences;
    expect(sentences).toHaveLength(3);
    expect(sentences[0]).toBe(
      `baseline used ${baseline!.acrossRepetitions.cpuMean.ci.mean!.toFixed(1)} % CPU and ` +
        `${baseline!.acrossRepetitions.memoryMean.ci.mean!.toFixed(1)} %memused on average (mean of the node means, 2 repetitions).`,
    );
    const ci = (v: number) => (v < 0 ? `−${Math.abs(v).toFixed(1)}` : v.toFixed(1));
    expect(sentences[2]).toContain(
      `security-tools used ${Math.abs(w.difference).toFixed(1)} CPU points ${w.difference >= 0 ? 'more' : 'less'} than baseline ` +
        `(95 % CI ${ci(w.lower)} to ${ci(w.upper)}, Welch p = ${w.pValue.toFixed(3)}, 2 repetitions)`,
    );
    expect(sentences.join(' ')).not.toContain('no difference can be called significant');
  });

  it('with one repetition the sentences give the difference and say nothing can be called significant', () => {
    const one = buildReportModel({ ...data, scenarios: data.scenarios.filter((r) => r.repetition === 1) });
    expect(one.firstScreen.sentences[1]).toMatch(
      new RegExp(
        '^best-practices used [\\d.]+ CPU points (more|less) than baseline \\(1 repetition\\) and [\\d.]+ %memused points (more|less)\\. ' +
          'With one repetition no difference can be called significant\\.$',
      ),
    );
    expect(trust(one, 'repetitions')).toEqual(
      expect.objectContaining({ level: 'warn', title: '1 completed repetition per scenario: no confidence interval, no test' }),
    );
    expect(trust(one, 'order')).toEqual(
      expect.objectContaining({ level: 'info', title: 'one order only: order effects cannot be told apart' }),
    );
  });

  it('the trust box: gaps, same order in every repetition, a window shorter than 24 h, and KWOK nodes', () => {
    expect(trust(model, 'repetitions').level).toBe('ok');
    expect(trust(model, 'gaps')).toEqual(
      expect.objectContaining({ level: 'warn', title: '1 sampling gap, 5 s without samples', detail: 'best-practices #2: 1 (5 s)' }),
    );
    expect(trust(model, 'order')).toEqual(
      expect.objectContaining({ level: 'warn', detail: 'Order: baseline → best-practices → security-tools.' }),
    );
    expect(trust(model, 'window').level).toBe('warn');
    expect(trust(model, 'window').title).toMatch(/^window 2 min, shorter than the thesis’s 24 h$/);
    expect(trust(model, 'shared-host').level).toBe('info'); // the fixture records no identities

    // Repetition 2 run in reverse order; KWOK nodes in the facts.
    const shifted: ScenarioRunData[] = data.scenarios.map((r) => {
      const shift = r.repetition === 2 ? (2 - ['baseline', 'best-practices', 'security-tools'].indexOf(r.scenario) * 2) * 3 * 3_600_000 : 0;
      return {
        ...r,
        clusterFacts: kwokFacts,
        nodes: r.nodes.map((n) => ({
          ...n,
          cpu: n.cpu.map((c) => ({ ...c, time: c.time + shift })),
          memory: n.memory.map((m) => ({ ...m, time: m.time + shift })),
        })),
      };
    });
    const varied = buildReportModel({ ...data, scenarios: shifted });
    expect(trust(varied, 'order')).toEqual(
      expect.objectContaining({ level: 'ok', title: 'scenario order varied per repetition (2 orders)' }),
    );
    expect(trust(varied, 'order').detail).toBe(
      '#1: baseline → best-practices → security-tools; #2: security-tools → best-practices → baseline',
    );
    expect(trust(varied, 'shared-host')).toEqual(
      expect.objectContaining({ level: 'warn', title: 'nodes share one host: per-node figures are not independent' }),
    );
    expect(varied.firstScreen.thisRun).toEqual(expect.objectContaining({ provider: 'local', nodeCount: 3, nodeTypes: ['kwok'] }));
  });

  it('sampler overhead is its CPU seconds over the CPU seconds measured (CPU count from the node identity)', () => {
    const start = Date.UTC(2026, 10, 27, 10);
    const cpu = Array.from({ length: 60 }, (_, k) => ({
      time: start + k * 1000,
      used: 50,
      user: 40,
      nice: 0,
      system: 10,
      iowait: 0,
      steal: 0,
      idle: 50,
    }));
    const run: ScenarioRunData = {
      scenario: 'baseline',
      repetition: 1,
      nodes: [{ node: 'n1', cpu, memory: [] }],
      gaps: [],
      timings: {},
      samplerOverhead: [{ node: 'n1', cpuSeconds: 0.6, maxRssKiB: 2000 }],
      nodeIdentity: [{ node: 'n1', machineId: 'm1', bootId: 'b1', cpus: 2 }],
      status: 'completed',
    };
    // 60 s × 2 CPUs × 50 % = 60 CPU seconds measured; 0.6 s is 1 %.
    const item = buildReportModel({ experimentId: 'x', startedAt: '', scenarios: [run] }).firstScreen.trust.find(
      (t) => t.id === 'sampler-overhead',
    )!;
    expect(item).toEqual(expect.objectContaining({ level: 'ok', title: 'sampler overhead: 1.0 % of the CPU measured' }));
    const noCount = { ...run, nodeIdentity: [{ node: 'n1' }] };
    const bound = buildReportModel({ experimentId: 'x', startedAt: '', scenarios: [noCount] }).firstScreen.trust.find(
      (t) => t.id === 'sampler-overhead',
    )!;
    expect(bound).toEqual(expect.objectContaining({ level: 'warn', title: 'sampler overhead: at most 2.0 % of the CPU measured' }));

    // Kubernetes node access: the access pod's CPU (every command the worker ran there) joins the line.
    const viaPods = { ...run, samplerOverhead: [{ node: 'n1', cpuSeconds: 0.6, maxRssKiB: 2000, accessPodCpuSeconds: 0.9 }] };
    const both = buildReportModel({ experimentId: 'x', startedAt: '', scenarios: [viaPods] }).firstScreen.trust.find(
      (t) => t.id === 'sampler-overhead',
    )!;
    expect(both).toEqual({
      id: 'sampler-overhead',
      level: 'warn',
      title: 'sampler and node access overhead: 2.5 % of the CPU measured',
      detail:
        'sadc and its wrapper used 0.6 CPU seconds and the node access pods (every command the worker ran on the nodes) 0.9, ' +
        'against 60 CPU seconds measured.',
    });
    const unread = {
      ...run,
      samplerOverhead: [{ node: 'n1', cpuSeconds: 0.6, accessPodCostUnavailable: 'no cgroup', sysstatUploaded: true }],
    };
    const partly = buildReportModel({ experimentId: 'x', startedAt: '', scenarios: [unread] }).firstScreen.trust.find(
      (t) => t.id === 'sampler-overhead',
    )!;
    expect(partly.detail).toBe(
      'sadc and its wrapper used 0.6 CPU seconds against 60 CPU seconds measured. Access pod CPU not read on n1: no cgroup. ' +
        "n1 had no sysstat: sadc and sadf there were the access image's, copied to the node.",
    );
  });
});

test('KWOK nodes on one machine: the detail names both', () => {
  const item = sharedHostCheck([id('n1', 'aaa', 'b'), id('n2', 'aaa', 'b')], nodeFactsView(kwokFacts));
  expect(item.detail).toBe(
    'n1, n2, n3 are KWOK nodes (simulated kubelet, provider local): the sampled hosts are not separate cluster machines. ' +
      'Same /etc/machine-id on n1, n2.',
  );
});

test("kube-hunter evidence that is a secret (a service account token) never reaches the report's model", () => {
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXZhbHVlLWhlcmU';
  const data = fixtureExperiment();
  const run: ScenarioRunData = {
    ...data.scenarios[0]!,
    findings: [
      { tool: 'kube-hunter', id: 'KHV050', title: 'Read access to pod service account token', severity: 'medium', evidence: jwt },
      {
        tool: 'kube-hunter',
        id: 'KHV005',
        title: 'Access to API using service account token',
        severity: 'medium',
        evidence: `b'{"kind":"APIVersions"}' token: s3cr3t-value-123456`,
      },
      { tool: 'kube-hunter', id: 'KHV002', title: 'K8s Version Disclosure', severity: 'medium', evidence: 'v1.36.3' },
    ],
  };
  const model = buildReportModel({ ...data, scenarios: [run] });
  const evidence = model.scenarios[0]!.runs[0]!.findings.details.map((f) => f.evidence);
  expect(evidence).toEqual(['[redacted]', `b'{"kind":"APIVersions"}' token=[redacted]`, 'v1.36.3']);
  expect(JSON.stringify(model)).not.toContain('s3cr3t');
  expect(JSON.stringify(model)).not.toContain(jwt);
});
