import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportModel } from '../analysis/model/runData';
import { boxplotSpec, meansSpec, renderSvg, timeSeriesSpec } from './charts';
import { writeSamplesCsv } from './csv';
import { renderHtml, type ChartSection } from './html';
import { renderMarkdown } from './markdown';
import { headlineSpec } from './headline';
import { LATENCY_CHARTS, latencySpec } from './latencyChart';
import { buildTables } from './tables';

export { buildTables } from './tables';
export type { Table } from './tableFormat';
export { renderSvg, boxesSpec, boxplotSpec, meansSpec, timeSeriesSpec, downsample, type BoxInput } from './charts';
export { renderHtml } from './html';
export { headlineSpec } from './headline';
export { latencySpec, latencyPoints, LATENCY_CHARTS } from './latencyChart';
export { renderMarkdown } from './markdown';
export { writeSamplesCsv } from './csv';

/** summary.json: every figure of the model (stable names), without the raw samples (those are in samples.csv). */
export function summaryOf(model: ReportModel): Omit<ReportModel, 'series'> {
  const { series: _series, ...summary } = model;
  return summary;
}

export async function renderCharts(model: ReportModel): Promise<ChartSection[]> {
  const sections: ChartSection[] = [
    {
      id: 'headline',
      title: 'Per scenario, with the thesis’s figures',
      caption:
        'Big dot: mean over repetitions, with its 95 % CI from two repetitions on. Small circles: each node in each run. Black tick: ' +
        'the thesis’s published figure (a reference, not measured here).',
      svgs: [await renderSvg(headlineSpec(model, 'cpu')), await renderSvg(headlineSpec(model, 'memory'))],
    },
  ];
  const latency = LATENCY_CHARTS.flatMap((chart) => latencySpec(model, chart) ?? []);
  if (latency.length)
    sections.push({
      id: 'latency',
      title: 'Under load: latency quantiles per scenario',
      caption:
        'Dot: the quantile’s mean over completed repetitions; bar: its 95 % CI, from two repetitions on. Pod creates as the ' +
        'client timed them; startup from creation to Ready; HTTP from the load generator.',
      svgs: await Promise.all(latency.map((spec) => renderSvg(spec))),
    });
  const timeSeries: string[] = [];
  for (let i = 0; i < model.series.length; i++) {
    const run = model.series[i]!;
    if (run.nodes.some((n) => n.cpu.length)) timeSeries.push(await renderSvg(timeSeriesSpec(model, i, 'cpu')));
    if (run.nodes.some((n) => n.memory.length)) timeSeries.push(await renderSvg(timeSeriesSpec(model, i, 'memory')));
  }
  sections.push({
    title: 'CPU and RAM over time',
    caption: 'Per run and node, as bucket means of at most 600 points per line; shaded: security tool runs.',
    svgs: timeSeries,
  });
  sections.push({
    title: 'Boxplots side by side',
    caption: 'Whiskers, hinges and medians are R’s boxplot.stats; points are the outliers (each distinct value once).',
    svgs: [await renderSvg(boxplotSpec(model, 'cpu')), await renderSvg(boxplotSpec(model, 'memory'))],
  });
  sections.push({
    title: 'Means with confidence intervals',
    caption: 'Cluster mean per scenario over completed repetitions with its 95 % CI; diamonds are the single repetitions.',
    svgs: [await renderSvg(meansSpec(model, 'cpuMean')), await renderSvg(meansSpec(model, 'memoryMean'))],
  });
  return sections;
}

export interface WriteReportOptions {
  /** Called between steps (a long report heartbeats through it). */
  onProgress?: (step: string) => void;
}

/** Writes report.html, report.md, summary.json and samples.csv into outDir. */
export async function writeReport(model: ReportModel, outDir: string, opts: WriteReportOptions = {}): Promise<{ files: string[] }> {
  const progress = opts.onProgress ?? (() => undefined);
  await mkdir(outDir, { recursive: true });
  const tables = buildTables(model);
  const files = {
    html: join(outDir, 'report.html'),
    md: join(outDir, 'report.md'),
    summary: join(outDir, 'summary.json'),
    csv: join(outDir, 'samples.csv'),
  };
  progress('charts');
  await writeFile(files.html, renderHtml(model, tables, await renderCharts(model)));
  progress('tables');
  await writeFile(files.md, renderMarkdown(model, tables));
  await writeFile(files.summary, `${JSON.stringify(summaryOf(model), null, 2)}\n`);
  progress('samples.csv');
  await writeSamplesCsv(model, files.csv, progress);
  return { files: Object.values(files) };
}
