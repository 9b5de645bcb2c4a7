/** The report's first screen in both renderings: the sentences, the trust box and this run beside the thesis. */
import { duration } from '../analysis/model/firstScreen';
import { THESIS, thesisFigures, type ThesisFigures } from '../analysis/model/thesis';
import type { AcrossMetric, ReportModel } from '../analysis/model/runData';
import { escapeHtml } from './escape';
import { fmt, type Table } from './tableFormat';

const LEVEL_LABEL = { warn: 'check', info: 'note', ok: 'ok' } as const;

export function thisRunNodes(model: ReportModel): string {
  const r = model.firstScreen.thisRun;
  const types = r.nodeTypes.length ? r.nodeTypes.join(' / ') : 'node type not recorded';
  return `${r.nodeCount ?? '?'} × ${types}${r.provider ? ` (${r.provider})` : ''}`;
}

export function thisRunWindow(model: ReportModel): string {
  const r = model.firstScreen.thisRun;
  return (
    `${r.windowSeconds !== null ? duration(r.windowSeconds) : '—'} ` +
    `at ${r.intervalSeconds !== null ? duration(r.intervalSeconds) : '—'}`
  );
}

const COMPARED: [AcrossMetric & keyof ThesisFigures, string, number][] = [
  ['cpuMean', 'CPU used, mean %', 2],
  ['memoryMean', '%memused, mean', 2],
  ['cpuOutliers', 'CPU outliers', 1],
  ['memoryOutliers', 'RAM outliers', 1],
  ['bootSeconds', 'Boot, s', 3],
];

/** The set-up of this run and of the thesis, then every published figure beside this run's. */
export function thesisTables(model: ReportModel): Table[] {
  return [
    {
      id: 'setup',
      title: 'This run and the thesis',
      caption: 'The reference column is the thesis’s published set-up and table, not a measurement of this run.',
      columns: ['', 'This run', `Reference: ${THESIS.label}`],
      rows: [
        ['Nodes', thisRunNodes(model), THESIS.nodes],
        ['Window at interval', thisRunWindow(model), `${duration(THESIS.windowSeconds)} at ${duration(THESIS.intervalSeconds)}`],
      ],
    },
    {
      id: 'thesis',
      title: 'Figures beside the thesis',
      caption:
        'This run: mean over completed repetitions of the cluster figure (mean of node means; outliers summed over nodes), with its 95 ' +
        '% CI when there are two or more.',
      columns: ['Scenario', 'Metric', 'This run', '95 % CI', `Reference: ${THESIS.label}`],
      rows: model.scenarios.flatMap((s) =>
        COMPARED.map(([metric, label, digits]) => {
          const ci = s.acrossRepetitions[metric].ci;
          return [
            s.scenario,
            label,
            fmt(ci.mean, digits === 3 ? 2 : digits),
            ci.lower === null ? '—' : `${fmt(ci.lower, 2)} … ${fmt(ci.upper, 2)}`,
            String(thesisFigures(s.scenario)?.[metric] ?? '—'),
          ];
        }),
      ),
    },
  ];
}

export function sentencesHtml(model: ReportModel): string {
  const items = model.firstScreen.sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('\n');
  // On a phone the trust box comes after the charts: this line names its checks right under the answer.
  const checks = model.firstScreen.trust.filter((t) => t.level === 'warn');
  const pointer = checks.length
    ? `<p class="trust-pointer"><a href="#trust">Before trusting these figures, ${checks.length} ` +
      `check${checks.length === 1 ? '' : 's'}</a>: ${checks.map((t) => escapeHtml(t.title.split(':')[0]!)).join('; ')}.</p>`
    : '';
  return (
    `<section id="answer"><h2>What this run found</h2><ul ` +
    `class="sentences">${items || '<li>No completed runs to compare.</li>'}</ul>${pointer}</section>`
  );
}

export function trustHtml(model: ReportModel): string {
  const items = model.firstScreen.trust
    .map(
      (t) =>
        `<li class="trust-${t.level}" data-trust="${t.id}"><span class="badge">${LEVEL_LABEL[t.level]}</span> ` +
        `<strong>${escapeHtml(t.title)}</strong>${t.detail ? `<br><span class="detail">${escapeHtml(t.detail)}</span>` : ''}</li>`,
    )
    .join('\n');
  return `<aside id="trust" aria-label="How far to trust these figures"><h2>How far to trust this run</h2><ul>${items}</ul></aside>`;
}

export function firstScreenMarkdown(model: ReportModel): string[] {
  return [
    '## What this run found',
    '',
    ...(model.firstScreen.sentences.length ? model.firstScreen.sentences.map((s) => `- ${s}`) : ['- No completed runs to compare.']),
    '',
    '## How far to trust this run',
    '',
    ...model.firstScreen.trust.map((t) => `- **${LEVEL_LABEL[t.level]}: ${t.title}**${t.detail ? ` — ${t.detail}` : ''}`),
    '',
    `_Charts (headline means with the thesis's figures, and CPU and RAM over time) are in report.html._`,
    '',
  ];
}
