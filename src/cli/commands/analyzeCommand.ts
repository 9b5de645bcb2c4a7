import { writeFile } from 'node:fs/promises';
import { readSysstatFile } from '../../analysis/files';
import type { ParsedSysstat } from '../../analysis/parsers';
import { describe, type Descriptive } from '../../analysis/stats/descriptive';
import type { SysstatFormat } from '../../domain/samples';
import { basename } from 'node:path';
import { boxesSpec, METRIC_LABEL, renderSvg } from '../../report/charts';
import { escapeHtml } from '../../report/html';
import { tableMarkdown } from '../../report/markdown';
import type { Table } from '../../report/tableFormat';
import { fmt } from '../../report/tableFormat';

export interface AnalyzeOptions {
  json?: boolean;
  md?: boolean;
  /** Write an HTML page with the table and boxplots to this path. */
  html?: string;
}

/** The stable `--json` shape (fields may be added, never changed). */
export interface MetricJson {
  n: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  box: [number, number, number, number, number];
  outliers: number;
  outlierValues: number[];
  q1: number;
  q3: number;
  sd: number | null;
}
export interface AnalyzeFileJson {
  path: string;
  format: SysstatFormat;
  host?: string;
  restarts: number;
  /** Empty records skipped (sadf -j with -s/-e ends with one). */
  emptyRecords: number;
  cpu?: MetricJson;
  ram?: MetricJson;
}

function metricJson(d: Descriptive): MetricJson {
  return {
    n: d.n,
    mean: d.mean,
    median: d.median,
    min: d.min,
    max: d.max,
    box: d.box,
    outliers: d.outliers,
    outlierValues: d.outlierValues,
    q1: d.q1,
    q3: d.q3,
    sd: d.sd,
  };
}

export function analyzeParsed(path: string, parsed: ParsedSysstat): AnalyzeFileJson {
  const cpu = describe(parsed.cpu.map((s) => s.used));
  const ram = describe(parsed.memory.map((s) => s.memUsedPercent));
  return {
    path,
    format: parsed.format,
    ...(parsed.host !== undefined ? { host: parsed.host } : {}),
    restarts: parsed.restarts.length,
    emptyRecords: parsed.emptyRecords,
    ...(cpu ? { cpu: metricJson(cpu) } : {}),
    ...(ram ? { ram: metricJson(ram) } : {}),
  };
}

function table(files: AnalyzeFileJson[]): Table {
  return {
    id: 'analyze',
    title: 'sysstat files',
    caption: 'CPU used = 100 − %idle; RAM = %memused. Box and outliers as R’s boxplot.stats.',
    columns: ['File', 'Format', 'Metric', 'n', 'Mean', 'Median', 'Min', 'Max', 'Box', 'Outliers'],
    rows: files.flatMap((f) =>
      (
        [
          ['CPU used %', f.cpu],
          ['%memused', f.ram],
        ] as const
      )
        .filter(([, m]) => m)
        .map(([label, m]) => [
          f.path,
          f.format,
          label,
          String(m!.n),
          fmt(m!.mean),
          fmt(m!.median),
          fmt(m!.min),
          fmt(m!.max),
          m!.box.map((v) => fmt(v)).join(' / '),
          String(m!.outliers),
        ]),
    ),
  };
}

/** One line per file whose empty records were skipped, so a cut file's shorter count is explained. */
function skippedNotes(files: AnalyzeFileJson[]): string {
  return files
    .filter((f) => f.emptyRecords > 0)
    .map((f) => `${f.path}: skipped ${f.emptyRecords} empty record${f.emptyRecords === 1 ? '' : 's'} (sadf -j with -s/-e ends with one)\n`)
    .join('');
}

/**
 * `hardenlab analyze [--json | --md | --html OUT] FILE...`: statistics of sysstat files as R's
 * boxplot.stats would give them. Returns the text to print; parse errors (SysstatParseError) propagate.
 */
export async function analyzeCommand(files: string[], opts: AnalyzeOptions): Promise<string> {
  const results: AnalyzeFileJson[] = [];
  for (const file of files) results.push(analyzeParsed(file, await readSysstatFile(file)));
  if (opts.json) return `${JSON.stringify({ files: results }, null, 2)}\n`;
  const t = table(results);
  if (opts.html) {
    const charts: string[] = [];
    for (const [metric, label] of [
      ['cpu', METRIC_LABEL.cpu],
      ['ram', METRIC_LABEL.memory],
    ] as const) {
      const boxes = results.flatMap((r) => {
        const m = r[metric];
        return m ? [{ x: basename(r.path), group: r.path, color: basename(r.path), stats: m }] : [];
      });
      if (boxes.length)
        charts.push(await renderSvg(boxesSpec(boxes, `${label}: boxplots (R's boxplot.stats)`, label, { x: 'file', group: 'file' })));
    }
    const rows = t.rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
    const page =
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>hardenlab analyze</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 7px}` +
      `</style></head>
<body><h1>hardenlab analyze</h1><p>${escapeHtml(t.caption)}</p><table><thead>` +
      `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>
${rows}</tbody></table>${charts.join('\n')}</body></html>\n`;
    await writeFile(opts.html, page);
    return `wrote ${opts.html}\n`;
  }
  if (opts.md) return `${tableMarkdown(t)}${skippedNotes(results) ? `\n${skippedNotes(results)}` : ''}`;
  // Plain text for a terminal: aligned columns.
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(t.columns), ...t.rows.map(line)].join('\n')}\n${skippedNotes(results)}`;
}
