import { buildReportModel, validateScenarioRunData } from '../../../src/analysis/model';
import { OLD_ZERO_PEAK_REASON } from '../../../src/analysis/model/experimentData';
import { buildTables } from '../../../src/report/tables';
import { fixtureExperiment } from '../analysis/support/fixtures';

/** The fixture experiment with the first run's sampler overhead replaced. */
function reportWith(samplerOverhead: unknown) {
  const data = fixtureExperiment();
  const first = data.scenarios[0]!;
  data.scenarios[0] = validateScenarioRunData({ ...first, samplerOverhead }, 'scenario-data.json');
  const model = buildReportModel(data, { generatedAt: '2026-12-06T12:00:00.000Z' });
  const table = buildTables(model).find((t) => t.id === 'sampling')!;
  const peakColumn = table.columns.indexOf('Sampler max RSS, KiB');
  const rows = table.rows.filter((r) => r[0] === first.scenario && r[1] === `#${first.repetition}`);
  return { run: model.scenarios[0]!.runs.find((r) => r.repetition === first.repetition)!, peaks: rows.map((r) => [r[2], r[peakColumn]]) };
}

describe("the sampler's peak memory in the report", () => {
  const nodes = fixtureExperiment().scenarios[0]!.nodes.map((n) => n.node);
  const reason = 'sadc 42 ended after 1 s, before its first peak reading (2 s in)';

  it('shows "not measured" and the reason for a node without a peak, never 0', () => {
    const { run, peaks } = reportWith([
      { node: nodes[0], cpuSeconds: 0.4, maxRssNotMeasured: reason },
      { node: nodes[1], cpuSeconds: 0.5, maxRssKiB: 2316 },
      { node: nodes[2], cpuSeconds: 0.6, maxRssKiB: 2400 },
    ]);
    expect(peaks).toEqual([
      [nodes[0], `not measured (${reason})`],
      [nodes[1], '2316'],
      [nodes[2], '2400'],
    ]);
    expect(run.samplerOverhead).toEqual({ cpuSeconds: 1.5, maxRssKiB: 2400, maxRssNotMeasured: `${nodes[0]}: ${reason}` });
  });

  it("reads an older record's 0 KiB as not measured", () => {
    const { run, peaks } = reportWith(nodes.map((node) => ({ node, cpuSeconds: 0.4, maxRssKiB: 0 })));
    expect(peaks).toEqual(nodes.map((node) => [node, `not measured (${OLD_ZERO_PEAK_REASON})`]));
    expect(run.samplerOverhead!.maxRssKiB).toBeNull();
  });
});
