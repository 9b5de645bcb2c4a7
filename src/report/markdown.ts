import type { ReportModel } from '../analysis/model/runData';
import { findingsMarkdown } from './findingsSection';
import { firstScreenMarkdown, thesisTables } from './firstScreenSections';
import { numericColumns, type Table } from './tableFormat';

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableMarkdown(t: Table): string {
  const lines = [`## ${t.title}`, '', t.caption, ''];
  if (t.rows.length === 0) return [...lines, '_none recorded_', ''].join('\n');
  const numeric = numericColumns(t);
  lines.push(`| ${t.columns.map(cell).join(' | ')} |`, `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const row of t.rows) lines.push(`| ${row.map((v) => (t.alert?.test(v) ? `**${cell(v)}**` : cell(v))).join(' | ')} |`);
  return [...lines, ''].join('\n');
}

export function renderMarkdown(model: ReportModel, tables: Table[]): string {
  const head = [
    `# hardenlab report: experiment ${model.experimentId}`,
    '',
    `Started ${model.startedAt || '—'}, generated ${model.generatedAt}${model.partial ? ' (**partial report**)' : ''}.`,
    `Scenarios: ${model.scenarios.map((s) => `${s.scenario} (${s.completed}/${s.repetitions} repetitions completed)`).join(', ')}.`,
    '',
    ...model.notes.map((n) => `- ${n}`),
    model.notes.length ? '' : '',
  ];
  // Same order as report.html: the answer and the trust box, the thesis beside this run, then the tables.
  return [
    ...head,
    ...firstScreenMarkdown(model),
    ...thesisTables(model).map(tableMarkdown),
    ...tables.map(tableMarkdown),
    ...findingsMarkdown(model),
  ].join('\n');
}
