import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeSeries } from '../../../../src/domain/samples';
import type { ExperimentData, ScenarioName, ScenarioRunData } from '../../../../src/analysis/model/runData';
import { parseSysstat } from '../../../../src/analysis/parsers';
import { parseKubeBenchJson } from '../../../../src/tools/kubeBenchReport';
import { parseKubeHunterJson } from '../../../../src/tools/kubeHunterReport';

export const sysstatDir = join(__dirname, '../../../fixtures/sysstat');
export const thesisDir = join(sysstatDir, 'thesis');

export function fixtureText(name: string): string {
  return readFileSync(join(sysstatDir, name), 'utf8');
}
export function parseFixture(name: string) {
  return parseSysstat(fixtureText(name), { file: name });
}
/** Every text fixture (relative to sysstatDir), captured and thesis-shaped. */
export function allFixtures(): string[] {
  const top = readdirSync(sysstatDir).filter((f) => /\.(txt|csv|json)$/.test(f) && !f.startsWith('r-'));
  const thesis = readdirSync(thesisDir)
    .filter((f) => /\.txt$/.test(f))
    .map((f) => `thesis/${f}`);
  return [...top, ...thesis].sort();
}
/** The captured sa data files: each is rendered into several forms named `<base>.<form>`. */
export const SA_FILES = ['k8s-node-1.sa26', 'k8s-node-1.sa27', 'k8s-node-2.sa27', 'k8s-node-3.sa27'];
/**
 * Every rendered data file, with test/fixture-recorders/sysstat-window-fixtures.sh's: k8s-node-4.sa28 restarts with another
 * CPU count (sar -A, -P ALL forms too), k8s-node-4.sa28-window is it cut with -s/-e.
 */
export const RENDERED_FILES = [...SA_FILES, 'k8s-node-4.sa28', 'k8s-node-4.sa28-window'];

export function nodeSeriesOf(base: string): NodeSeries {
  const cpu = parseFixture(`${base}.sadf-d-u.csv`);
  const mem = parseFixture(`${base}.sadf-d-r.csv`);
  return { node: cpu.host!, cpu: cpu.cpu, memory: mem.memory };
}

/**
 * A three-scenario, two-repetition experiment from the real captured sysstat data (the four captured files
 * rotated over the three nodes), with timings and findings in the shape the collect activities write.
 */
export function fixtureExperiment(): ExperimentData {
  const scenarios: ScenarioName[] = ['baseline', 'best-practices', 'security-tools'];
  const runs: ScenarioRunData[] = [];
  scenarios.forEach((scenario, s) => {
    for (const repetition of [1, 2]) {
      // A run samples its nodes at the same time: each captured series is moved to the run's start.
      const start = Date.UTC(2026, 10, 27, 10 + s * 2, repetition * 5);
      const nodes = [0, 1, 2].map((k) => {
        const series = nodeSeriesOf(SA_FILES[(k + s + repetition) % SA_FILES.length]!);
        const shift = start - series.cpu[0]!.time;
        return {
          node: `k8s-node-${k + 1}`,
          cpu: series.cpu.map((c) => ({ ...c, time: c.time + shift })),
          memory: series.memory.map((m) => ({ ...m, time: m.time + shift })),
        };
      });
      runs.push({
        scenario,
        repetition,
        nodes,
        gaps: s === 1 && repetition === 2 ? [{ node: 'k8s-node-1', start: start + 20_000, end: start + 25_000, reason: 'sadc restarted' }] : [],
        timings: {
          deploySeconds: 30 + s * 4 + repetition,
          scaleUpSeconds: 8 + s + repetition * 0.5,
          bootSeconds: { 'k8s-node-1': 21.4 + s, 'k8s-node-2': 22.1 + repetition, 'k8s-node-3': null },
          toolRuns:
            scenario === 'security-tools'
              ? [
                  { tool: 'kube-bench', mode: 'cis', start: start + 10_000, end: start + 25_000 },
                  { tool: 'kube-hunter', mode: 'remote', start: start + 40_000, end: start + 52_000 },
                ]
              : [],
        },
        findings:
          scenario === 'security-tools'
            ? [
                { tool: 'kube-bench', severity: 'FAIL', status: 'open' },
                { tool: 'kube-bench', severity: 'WARN', status: 'open' },
                { tool: 'kube-bench', severity: 'FAIL', status: 'open' },
                { tool: 'kube-hunter', severity: 'medium', status: 'open' },
              ]
            : [],
        hardening: scenario === 'best-practices' ? { podSecurity: 'restricted', networkPolicies: ['default-deny'], rbac: ['Role/webapp-reader'] } : undefined,
        clusterFacts: { kubernetesVersion: 'v1.31.4', nodes: 3, sysstat: '12.6.1', samplingIntervalSeconds: 1 },
        samplerOverhead: nodes.map((n, k) => ({ node: n.node, cpuSeconds: 0.4 + k * 0.1, maxRssKiB: 2100 + k })),
        status: 'completed',
      });
    }
  });
  return { experimentId: 'exp-fixture', startedAt: '2026-11-27T10:00:00.000Z', scenarios: runs };
}

/**
 * fixtureExperiment() with what a test-bed run records beside the samples: the real kube-bench and kube-hunter
 * reports of test/fixtures/tools as the security-tools runs' findings (their report fields, as
 * activities/records.ts keeps them), the tools' modes, and the test bed's cluster facts (three KWOK nodes).
 */
export function fixtureExperimentWithTools(): ExperimentData {
  const toolsDir = join(__dirname, '../../../fixtures/tools');
  const bench = parseKubeBenchJson(readFileSync(join(toolsDir, 'kube-bench-node.json'), 'utf8'), { mode: 'node', target: 'k8s-node-1' });
  const hunter = parseKubeHunterJson(readFileSync(join(toolsDir, 'kube-hunter-remote.json'), 'utf8'), { mode: 'remote', target: '127.0.0.1' });
  const findings = [...bench.findings, ...hunter.findings].map(({ tool, severity, status, mode, target, id, title, section, remediation, evidence }) =>
    Object.fromEntries(Object.entries({ tool, severity, status, mode, target, id, title, section, remediation, evidence }).filter(([, v]) => v !== undefined)),
  ) as unknown as NonNullable<ScenarioRunData['findings']>;
  const clusterFacts = {
    provider: 'local',
    kubernetesVersion: 'v1.36.3',
    nodeCount: 3,
    nodes: [1, 2, 3].map((k) => ({ name: `k8s-node-${k}`, kubeletVersion: 'kwok-v0.7.0', internalIP: `127.0.0.1${k}` })),
  };
  const data = fixtureExperiment();
  return {
    ...data,
    scenarios: data.scenarios.map((run) => ({
      ...run,
      clusterFacts,
      ...(run.scenario === 'security-tools'
        ? {
            findings,
            timings: { ...run.timings, toolRuns: run.timings.toolRuns!.map((t) => ({ ...t, mode: t.tool === 'kube-bench' ? 'node' : 'remote' })) },
          }
        : {}),
    })),
  };
}
