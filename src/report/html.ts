import type { ReportModel } from '../analysis/model/runData';
import { escapeHtml } from './escape';
import { findingsHtml } from './findingsSection';
import { sentencesHtml, thesisTables, trustHtml } from './firstScreenSections';
import { numericColumns, type Table } from './tableFormat';

export { escapeHtml };

/** A run that did not complete with samples is shown in red where its status is. */
const NOT_MEASURED = /^(completed-without-samples|failed|aborted|cancelled|skipped)\b/;

function tableHtml(t: Table, cls = ''): string {
  const numeric = numericColumns(t);
  const td = (i: number) => (numeric[i] ? ' class="num"' : '');
  const head = t.columns.map((c, i) => `<th${td(i)}>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.length
    ? t.rows
        .map(
          (r) =>
            `<tr>${r
              .map(
                (v, i) =>
                  `<td${
                    (t.columns[i] === 'Status' && NOT_MEASURED.test(v)) || t.alert?.test(v) ? ' class="bad"' : td(i)
                  }>${escapeHtml(v)}</td>`,
              )
              .join('')}</tr>`,
        )
        .join('\n')
    : `<tr><td colspan="${t.columns.length}" class="empty">none recorded</td></tr>`;
  return (
    `<section id="${t.id}"${cls ? ` class="${cls}"` : ''}><h2>${escapeHtml(t.title)}</h2><p ` +
    `class="caption">${escapeHtml(t.caption)}</p>
<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div></section>`
  );
}

export interface ChartSection {
  /** The headline chart opens the report; the others follow the first screen. */
  id?: string;
  title: string;
  caption: string;
  svgs: string[];
}

// System fonts, a readable measure, right-aligned numbers, light and dark schemes, and print with a page per part.
const STYLE =
  `:root{color-scheme:light dark;--fg:#1d1f23;--muted:#5b616b;--bg:#fff;--line:#d6d9de;--head:#f2f4f7;--warn:#8a4b00;--warn-bg:#fff4e0;` +
  `--info:#134e8a;--info-bg:#e8f1fb;--ok:#1e6b34;--ok-bg:#e9f6ec;--bad:#b00020}
@media (prefers-color-scheme:dark){:root{--fg:#e4e6ea;--muted:#a3a9b3;--bg:#15171a;--line:#3a3f46;--head:#23272d;--warn:#ffcb7a;` +
  `--warn-bg:#3a2b12;--info:#9ccbff;--info-bg:#16283d;--ok:#98e0a8;--ok-bg:#17301e;--bad:#ff8a80}}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Ubuntu,Cantarell,"Helvetica Neue",sans-serif;margin:0 auto;` +
  `max-width:1180px;padding:16px 20px 48px;color:var(--fg);background:var(--bg)}
h1{font-size:1.45rem;line-height:1.25;margin:.4em 0}h2{font-size:1.12rem;margin:1.6em 0 .4em;border-bottom:1px solid var(--line);` +
  `padding-bottom:4px}h4{margin:1em 0 .3em;font-size:.95rem}
p,li,.caption{max-width:75ch}.meta{color:var(--muted);font-size:.9rem}
.caption{color:var(--muted);font-size:.85rem;margin:2px 0 6px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.82rem;margin:6px 0}th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;` +
  `vertical-align:top}
th{background:var(--head);font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}` +
  `.empty{text-align:center;color:var(--muted)}
.sentences{padding-left:1.2em}.trust-pointer{display:none;background:var(--warn-bg);padding:6px 10px;border-radius:6px;font-size:.88rem}` +
  `.sentences li{margin:.35em 0}
.first{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:20px;align-items:start}#headline{margin:0}#headline .charts ` +
  `svg{flex:1 1 300px;max-width:400px}
#trust{border:1px solid var(--line);border-radius:8px;padding:4px 14px 10px;margin-top:1em}#trust h2{margin-top:.5em}
@media (max-width:900px){.first{grid-template-columns:minmax(0,1fr)}.trust-pointer{display:block}}
#trust ul{list-style:none;padding:0;margin:0}#trust li{margin:8px 0;padding:6px 8px;border-radius:6px;font-size:.88rem}
#trust .detail{color:var(--muted);font-size:.82rem}.badge{display:inline-block;font-size:.72rem;font-weight:700;` +
  `text-transform:uppercase;letter-spacing:.04em;padding:0 6px;border-radius:4px;border:1px solid currentColor}
.trust-warn{background:var(--warn-bg)}.trust-warn .badge{color:var(--warn)}.trust-info{background:var(--info-bg)}.trust-info ` +
  `.badge{color:var(--info)}.trust-ok{background:var(--ok-bg)}.trust-ok .badge{color:var(--ok)}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{max-width:100%;height:auto;background:#fff;border-radius:6px}
.notes li{color:var(--warn)}.bad{color:var(--bad);font-weight:600}
details{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:6px 0}summary{cursor:pointer;font-weight:600}
a{color:var(--info)}pre{background:var(--head);padding:8px;font-size:12px;overflow:auto;max-height:320px}
@media (max-width:600px){body{padding:10px 12px 32px;font-size:14px}h1{font-size:1.15rem}.meta{font-size:.8rem}.charts svg{width:100%}}
@media print{:root{--fg:#000;--bg:#fff;--muted:#444}body{max-width:none;padding:0;font-size:11pt}.page{break-before:page}` +
  `h2{break-after:avoid}table,figure,svg,details,#trust{break-inside:avoid}details>*{display:block}a{color:#000}}`;

/** A self-contained page: inline CSS and inline SVG, no script and no external reference. */
export function renderHtml(model: ReportModel, tables: Table[], charts: ChartSection[]): string {
  const byId = new Map(tables.map((t) => [t.id, t]));
  const placed = new Set<string>();
  const section = (id: string) => {
    placed.add(id);
    return byId.has(id) ? tableHtml(byId.get(id)!, 'page') : '';
  };
  // A table this page does not place by name is still shown (at the end), never dropped.
  const rest = () => tables.filter((t) => !placed.has(t.id)).map((t) => tableHtml(t, 'page')).join('\n');
  const chartHtml = (c: ChartSection) =>
    `<section class="chart-section page"${c.id ? ` id="${c.id}"` : ''}><h2>${escapeHtml(c.title)}</h2><p ` +
    `class="caption">${escapeHtml(c.caption)}</p><div class="charts">${c.svgs.join('\n')}</div></section>`;
  const headline = charts.find((c) => c.id === 'headline');
  // Under load the latency quantiles stand beside the sentences that name them, on the first screen too.
  const latency = charts.find((c) => c.id === 'latency');
  const figure = (c: ChartSection | undefined) =>
    c
      ? `<figure id="${c.id}"><div class="charts">${c.svgs.join('\n')}</div><figcaption class="caption">` +
        `${escapeHtml(c.caption)}</figcaption></figure>`
      : '';
  const [setup, thesis] = thesisTables(model);
  const hardening = model.scenarios
    .flatMap((s) => s.runs)
    .filter((r) => r.hardening !== null && r.hardening !== undefined)
    .map((r) => `<h3>${escapeHtml(`${r.scenario} #${r.repetition}`)}</h3><pre>${escapeHtml(JSON.stringify(r.hardening, null, 2))}</pre>`)
    .join('\n');
  return (
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hardenlab report ${escapeHtml(model.experimentId)}</title><style>${STYLE}</style></head>
<body>
<h1>What Kubernetes hardening costs a small cluster: experiment ${escapeHtml(model.experimentId)}</h1>
<p class="meta">Started ${escapeHtml(model.startedAt || '—')}, report ` +
    `generated ${escapeHtml(model.generatedAt)}${model.partial ? ' — <strong>partial report</strong>' : ''}.
Scenarios: ${model.scenarios
      .map((s) => `${escapeHtml(s.scenario)} (${s.completed}/${s.repetitions} repetitions completed)`)
      .join(', ')}.</p>
<div class="first">
<div class="answer">
${sentencesHtml(model)}
${figure(headline)}
${figure(latency)}
</div>
${trustHtml(model)}
</div>
${tableHtml(setup!)}
${tableHtml(thesis!)}
${model.notes.length ? `<ul class="notes">${model.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${charts
  .filter((c) => c !== headline && c !== latency)
  .map(chartHtml)
  .join('\n')}
${section('mean-use')}
${section('outliers')}
${section('boot')}
${section('timings')}
${section('repetitions')}
${section('detectable')}
${section('load-phase')}
${section('load-repetitions')}
${section('admission')}
${section('sampling')}
${section('statistics')}
${section('what-it-buys')}
${section('attack-matrix')}
${section('attack-messages')}
${findingsHtml(model).replace('<section id="findings-detail">', '<section id="findings-detail" class="page">')}
${section('findings')}
<section id="hardening" class="page"><h2>Hardening evidence</h2>${hardening || '<p class="caption">none recorded</p>'}</section>
${section('scenarios-applied')}
${section('cluster-facts')}
${rest()}
</body></html>
`
  );
}
