/** A scenario that ran without collecting samples says so, in red, where the report shows each run's status. */
import { buildReportModel, validateScenarioRunData } from '../../../src/analysis/model';
import { buildTables, renderHtml } from '../../../src/report';
import { fixtureExperiment } from './support/fixtures';

test('completed-without-samples is a valid run status, left out of the comparisons with a note, and shown in red', () => {
  const data = fixtureExperiment();
  const run = { ...data.scenarios[0]!, status: 'completed-without-samples' as const, nodes: [], gaps: [] };
  expect(validateScenarioRunData(JSON.parse(JSON.stringify(run)), 'scenario-data.json').status).toBe('completed-without-samples');
  data.scenarios[0] = run;
  const model = buildReportModel(data, { generatedAt: '2026-12-01T06:00:00.000Z', partial: true });
  const summary = model.scenarios.find((s) => s.scenario === run.scenario)!;
  expect(summary.runs.find((r) => r.repetition === run.repetition)!.status).toBe('completed-without-samples');
  expect(summary.completed).toBe(summary.repetitions - 1);
  expect(model.notes.join('\n')).toContain(`${run.scenario} #${run.repetition} completed-without-samples`);

  const html = renderHtml(model, buildTables(model), []);
  expect(html).toContain('<td class="bad">completed-without-samples</td>');
  expect(html).not.toContain('<td class="bad">completed</td>');
  expect(html).toMatch(/<td>completed<\/td>/);
});
