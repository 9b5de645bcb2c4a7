import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readExperimentData } from '../../../src/analysis/files';
import { ExperimentDataError, buildReportModel, validateScenarioRunData } from '../../../src/analysis/model';
import { describe as describeStats, meanConfidenceInterval, welchTTest } from '../../../src/analysis/stats';
import { tempDir } from '../../support/tempDir';
import { fixtureExperiment } from './support/fixtures';

describe('report model', () => {
  const data = fixtureExperiment();
  const model = buildReportModel(data, { generatedAt: '2026-11-27T12:00:00.000Z' });

  it('has the three scenarios in thesis order with their repetitions', () => {
    expect(model.scenarios.map((s) => [s.scenario, s.repetitions, s.completed])).toEqual([
      ['baseline', 2, 2],
      ['best-practices', 2, 2],
      ['security-tools', 2, 2],
    ]);
  });

  it('per node figures are the descriptive statistics of that node’s samples', () => {
    const run = data.scenarios.find((r) => r.scenario === 'best-practices' && r.repetition === 2)!;
    const summary = model.scenarios[1]!.runs[1]!;
    const node = run.nodes[1]!;
    expect(summary.nodes[1]!.cpu).toEqual(describeStats(node.cpu.map((s) => s.used)));
    expect(summary.nodes[1]!.memory).toEqual(describeStats(node.memory.map((s) => s.memUsedPercent)));
    expect(summary.cluster.cpu!.n).toBe(run.nodes.reduce((n, x) => n + x.cpu.length, 0));
    const nodeMeans = summary.nodes.map((n) => n.cpu!.mean);
    expect(summary.cluster.cpuMeanOfNodeMeans).toBeCloseTo(nodeMeans.reduce((a, b) => a + b) / 3, 12);
    expect(summary.gaps).toEqual({ count: 1, seconds: 5 });
    expect(summary.nodes[0]!.gaps.count).toBe(1);
    expect(summary.nodes[0]!.sampleIntervalSeconds).toBe(1);
    expect(summary.nodes[2]!.bootSeconds).toBeNull();
  });

  it('compares each scenario with the baseline over repetitions', () => {
    const perRep = (scenario: string) =>
      model.scenarios.find((s) => s.scenario === scenario)!.runs.map((r) => r.cluster.cpuMeanOfNodeMeans!);
    const tools = model.scenarios[2]!.acrossRepetitions.cpuMean;
    expect(tools.values).toEqual(perRep('security-tools'));
    expect(tools.ci).toEqual(meanConfidenceInterval(perRep('security-tools')));
    expect(tools.vsBaseline!.welch).toEqual(welchTTest(perRep('security-tools'), perRep('baseline')));
    expect(tools.vsBaseline!.mannWhitney!.method).toBe('exact');
    expect(model.scenarios[0]!.acrossRepetitions.cpuMean.vsBaseline).toBeNull();
    expect(model.scenarios[2]!.acrossRepetitions.findings.values).toEqual([4, 4]);
    expect(model.scenarios[2]!.runs[0]!.findings.byToolAndSeverity).toContainEqual({ tool: 'kube-bench', severity: 'FAIL', count: 2 });
    expect(model.scenarios[2]!.runs[0]!.toolRuns.map((t) => t.seconds)).toEqual([15, 12]);
  });

  it('leaves failed runs out of the comparisons and says so', () => {
    const failed = fixtureExperiment();
    failed.scenarios[5] = { ...failed.scenarios[5]!, status: 'failed', error: 'kube-hunter timed out' };
    const m = buildReportModel(failed, { partial: true });
    expect(m.scenarios[2]!.completed).toBe(1);
    expect(m.scenarios[2]!.acrossRepetitions.cpuMean.values).toHaveLength(1);
    expect(m.scenarios[2]!.acrossRepetitions.cpuMean.vsBaseline!.welch).toBeNull();
    expect(m.notes.join('\n')).toMatch(/security-tools #2 failed: kube-hunter timed out/);
    expect(m.notes.join('\n')).toMatch(/at least two completed repetitions/);
    expect(m.partial).toBe(true);
  });
});

describe('experiment data loading', () => {
  it('merges per-run scenario-data.json files and validates them', async () => {
    const dir = await tempDir('hardenlab-exp-');
    const data = fixtureExperiment();
    for (const run of data.scenarios) {
      await mkdir(join(dir, run.scenario, String(run.repetition)), { recursive: true });
      await writeFile(join(dir, run.scenario, String(run.repetition), 'scenario-data.json'), JSON.stringify(run));
    }
    const read = await readExperimentData(dir, 'exp-1');
    expect(read.experimentId).toBe('exp-1');
    expect(read.scenarios).toHaveLength(6);
    expect(read.startedAt).toBe(new Date(Math.min(...data.scenarios.map((r) => r.nodes[0]!.cpu[0]!.time))).toISOString());
  });

  it('names the file and the field of malformed data', async () => {
    const dir = await tempDir('hardenlab-exp-');
    const run = fixtureExperiment().scenarios[0]!;
    await mkdir(join(dir, 'baseline', '1'), { recursive: true });
    const file = join(dir, 'baseline', '1', 'scenario-data.json');
    const bad = JSON.parse(JSON.stringify(run));
    bad.nodes[0].cpu[3].used = 'high';
    await writeFile(file, JSON.stringify(bad));
    await expect(readExperimentData(dir, 'x')).rejects.toThrow(ExperimentDataError);
    await expect(readExperimentData(dir, 'x')).rejects.toThrow(`${file}: nodes.0.cpu.3.used`);
    await writeFile(file, '{"scenario": ');
    await expect(readExperimentData(dir, 'x')).rejects.toThrow(/scenario-data.json: not JSON/);
    expect(() => validateScenarioRunData({ ...run, scenario: 'Not a scenario name' }, 'f.json')).toThrow(/f.json: scenario/);
    await expect(readExperimentData(join(dir, 'nothing'), 'x')).rejects.toThrow(/no experiment-data.json/);
  });
});
