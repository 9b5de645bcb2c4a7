/**
 * What the run could have detected (issue 27): for each headline metric and scenario, the smallest true difference
 * from baseline that its repetitions, with the spread they measured, find at 80 % power, beside the difference
 * measured. A difference below it that is "not significant" is not shown to be absent.
 */
import { detectableRows, inUnit } from '../analysis/model/headlineDetectable';
import type { ReportModel } from '../analysis/model/runData';
import type { Table } from './tableFormat';

export function detectableTables(model: ReportModel): Table[] {
  const rows = detectableRows(model.scenarios);
  if (rows.length === 0) return [];
  const figure = (r: (typeof rows)[number], value: number | null) => (value === null ? '—' : inUnit(r.metric, value));
  return [
    {
      id: 'detectable',
      title: 'What this run could have detected',
      caption:
        'The smallest true difference from baseline that Welch’s two-sided test at α 0.05 finds with 80 % power, from ' +
        'each side’s standard deviation over its repetitions (SD) and their number: ' +
        '(t₀.₉₇₅ + t₀.₈) · √(s₁²/n₁ + s₂²/n₂), ' +
        'Welch–Satterthwaite degrees of freedom. More repetitions or a steadier cluster detect less. ' +
        'A measured difference smaller than it, called not significant, may still be real.',
      columns: ['Scenario', 'Metric', 'Repetitions (baseline)', 'SD', 'SD of baseline', 'Detectable difference', 'Measured difference'],
      rows: rows.map((r) => [
        r.scenario,
        r.metric.label,
        `${r.scenarioN} (${r.baselineN})`,
        figure(r, r.scenarioSd),
        figure(r, r.baselineSd),
        r.detectable.difference === null ? `— (${r.detectable.why})` : figure(r, r.detectable.difference),
        figure(r, r.measured),
      ]),
    },
  ];
}
