import type { ReportModel } from '../analysis/model/types';
import { numericColumns, type Table } from './tables';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A run that did not complete with samples is shown in red where its status is. */
const NOT_MEASURED = /^(completed-without-samples|failed|aborted|cancelled|skipped)\b/;

function tableHtml(t: Table): string {
  const numeric = numericColumns(t);
  const cls = (i: number) => (numeric[i] ? ' class="num"' : '');
  const cellCls = (i: number, v: string) => (t.columns[i] === 'Status' && NOT_MEASURED.test(v) ? ' class="bad"' : cls(i));
  const head = t.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.length
    ? t.rows.map((r) => `<tr>${r.map((v, i) => `<td${cellCls(i, v)}>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n')
    : `<tr><td colspan="${t.columns.length}" class="empty">none recorded</td></tr>`;
  return `<section id="${t.id}"><h2>${escapeHtml(t.title)}</h2><p class="caption">${escapeHtml(t.caption)}</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></section>`;
}

export interface ChartSection {
  title: string;
  caption: string;
  svgs: string[];
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0}th,td{border:1px solid #d0d0d0;padding:3px 7px;text-align:left}
th{background:#f3f4f6}.num{text-align:right;font-variant-numeric:tabular-nums}.caption{color:#555;font-size:12.5px;margin:2px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{max-width:100%;height:auto}.notes li{color:#7a4b00}
pre{background:#f6f8fa;padding:8px;font-size:12px;overflow:auto;max-height:320px}.empty{text-align:center;color:#888}
.bad{color:#b00020;font-weight:600}`;

/** A self-contained page: inline CSS and inline SVG, no script and no external reference. */
export function renderHtml(model: ReportModel, tables: Table[], charts: ChartSection[]): string {
  const byId = new Map(tables.map((t) => [t.id, t]));
  const section = (id: string) => (byId.has(id) ? tableHtml(byId.get(id)!) : '');
  const chartHtml = (c: ChartSection) =>
    `<section class="chart-section"><h2>${escapeHtml(c.title)}</h2><p class="caption">${escapeHtml(c.caption)}</p><div class="charts">${c.svgs.join('\n')}</div></section>`;
  const hardening = model.scenarios
    .flatMap((s) => s.runs)
    .filter((r) => r.hardening !== null && r.hardening !== undefined)
    .map((r) => `<h3>${escapeHtml(`${r.scenario} #${r.repetition}`)}</h3><pre>${escapeHtml(JSON.stringify(r.hardening, null, 2))}</pre>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hardenlab report ${escapeHtml(model.experimentId)}</title><style>${STYLE}</style></head>
<body>
<h1>What Kubernetes hardening costs a small cluster: experiment ${escapeHtml(model.experimentId)}</h1>
<p>Started ${escapeHtml(model.startedAt || '—')}, report generated ${escapeHtml(model.generatedAt)}${model.partial ? ' — <strong>partial report</strong>' : ''}.
Scenarios: ${model.scenarios.map((s) => `${escapeHtml(s.scenario)} (${s.completed}/${s.repetitions} repetitions completed)`).join(', ')}.</p>
${model.notes.length ? `<ul class="notes">${model.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${section('mean-use')}
${section('outliers')}
${section('boot')}
${section('timings')}
${section('repetitions')}
${charts.map(chartHtml).join('\n')}
${section('sampling')}
${section('statistics')}
${section('findings')}
<section id="hardening"><h2>Hardening evidence</h2>${hardening || '<p class="caption">none recorded</p>'}</section>
${section('cluster-facts')}
</body></html>
`;
}
