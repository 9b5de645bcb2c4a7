/**
 * Which source each node's CPU came from, through the analysis into the report: a node whose series came from its
 * cgroup (src/sampling/cgroupCpu.ts) has its CPU % from that series, sar's kept beside it, and says so in the table.
 */
import { buildReportModel, validateScenarioRunData } from '../../../src/analysis/model';
import { buildTables } from '../../../src/report/tables';
import { fixtureExperiment } from '../analysis/support/fixtures';

describe("the report's CPU source per node", () => {
  const data = fixtureExperiment();
  const first = data.scenarios[0]!;
  const [cgroupNode, ...sarNodes] = first.nodes;
  // The cgroup's figures: half of what sar read on the same node (sar's /proc/stat was the host's).
  const cgroupCpu = cgroupNode!.cpu.map((s) => ({ ...s, used: s.used / 2, idle: 100 - s.used / 2 }));
  const nodes = [{ ...cgroupNode!, cpu: cgroupCpu, cpuSource: 'cgroup', sarCpu: cgroupNode!.cpu }, ...sarNodes];
  data.scenarios[0] = validateScenarioRunData({ ...first, nodes }, 'scenario-data.json');
  const model = buildReportModel(data, { generatedAt: '2026-12-06T12:00:00.000Z' });
  const run = model.scenarios.find((s) => s.scenario === first.scenario)!.runs.find((r) => r.repetition === first.repetition)!;
  const table = buildTables(model).find((t) => t.id === 'mean-use')!;
  const rows = table.rows.filter((r) => r[0] === first.scenario && r[1] === `#${first.repetition}`);
  const column = (name: string) => rows.map((r) => r[table.columns.indexOf(name)]);

  it('uses the cgroup series for CPU % where present, keeping sar’s in the data', () => {
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(run.nodes[0]!.cpu!.mean).toBeCloseTo(mean(cgroupCpu.map((s) => s.used)), 9);
    expect(run.nodes[0]!.cpuSource).toBe('cgroup');
    expect(run.nodes.slice(1).map((n) => n.cpuSource)).toEqual(sarNodes.map(() => 'sar'));
    expect(data.scenarios[0]!.nodes[0]!.sarCpu).toEqual(cgroupNode!.cpu);
  });

  it('names the source of each node’s CPU, and both in the cluster row', () => {
    expect(column('Node')).toEqual([...first.nodes.map((n) => n.node), 'cluster']);
    expect(column('CPU from')).toEqual(['cgroup', ...sarNodes.map(() => 'sar'), 'cgroup, sar']);
  });
});
