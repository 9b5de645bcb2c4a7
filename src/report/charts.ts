import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ReportModel, ScenarioName } from '../analysis/model/runData';
import type { Descriptive } from '../analysis/stats/descriptive';

/** Renders a Vega-Lite spec to an SVG string in Node (no DOM, no network: all data is inline). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export const SCENARIO_COLORS: Record<ScenarioName, string> = {
  // Scenarios of the user's own take Vega's next colours.
  baseline: '#4c78a8',
  'best-practices': '#54a24b',
  'security-tools': '#e45756',
};
/** Tableau 10 after the presets' three, for scenarios of the user's own. */
const MORE_COLORS = ['#f58518', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
/** A colour per scenario: the presets' own, then the next of MORE_COLORS in the order given. */
export function scenarioColors(scenarios: readonly string[]): { domain: string[]; range: string[] } {
  const others = scenarios.filter((s) => !(s in SCENARIO_COLORS));
  const domain = [...Object.keys(SCENARIO_COLORS), ...others];
  return { domain, range: [...Object.values(SCENARIO_COLORS), ...others.map((_, i) => MORE_COLORS[i % MORE_COLORS.length]!)] };
}
const scenarioScale = {
  domain: Object.keys(SCENARIO_COLORS),
  range: Object.values(SCENARIO_COLORS),
};

export type MetricKey = 'cpu' | 'memory';
export const METRIC_LABEL: Record<MetricKey, string> = { cpu: 'CPU used (100 − %idle), %', memory: '%memused' };

/** At most `buckets` points per series: bucket means (the statistics themselves always use every sample). */
export function downsample(points: { time: number; value: number }[], buckets: number): { time: number; value: number }[] {
  if (points.length <= buckets) return points;
  const first = points[0]!.time;
  const span = points[points.length - 1]!.time - first || 1;
  const sums = new Float64Array(buckets);
  const times = new Float64Array(buckets);
  const counts = new Uint32Array(buckets);
  for (const p of points) {
    const b = Math.min(buckets - 1, Math.floor(((p.time - first) / span) * buckets));
    sums[b] = sums[b]! + p.value;
    times[b] = times[b]! + p.time;
    counts[b] = counts[b]! + 1;
  }
  const out: { time: number; value: number }[] = [];
  for (let b = 0; b < buckets; b++) if (counts[b]) out.push({ time: times[b]! / counts[b]!, value: sums[b]! / counts[b]! });
  return out;
}

/** CPU or RAM over time for one run: one line per node, tool-run windows shaded. */
export function timeSeriesSpec(model: ReportModel, index: number, metric: MetricKey): TopLevelSpec {
  const run = model.series[index]!;
  let origin = Infinity;
  for (const n of run.nodes) for (const s of metric === 'cpu' ? n.cpu : n.memory) origin = Math.min(origin, s.time);
  const minutes = (t: number) => (t - origin) / 60_000;
  const points = run.nodes.flatMap((n) => {
    const raw =
      metric === 'cpu'
        ? n.cpu.map((s) => ({ time: s.time, value: s.used }))
        : n.memory.map((s) => ({ time: s.time, value: s.memUsedPercent }));
    return downsample(raw, 600).map((p) => ({ node: n.node, minute: minutes(p.time), value: p.value }));
  });
  const windows = run.toolRuns.map((t) => ({
    label: `${t.tool} (${t.mode}${t.target ? ` on ${t.target}` : ''})`,
    from: minutes(t.start),
    to: minutes(t.end),
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${run.scenario} #${run.repetition}: ${METRIC_LABEL[metric]}`, anchor: 'start', fontSize: 13 },
    width: 640,
    height: 180,
    layer: [
      {
        data: { values: windows },
        mark: { type: 'rect', color: '#f2b134', opacity: 0.25 },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
      },
      {
        data: { values: windows },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 2, dy: 2, fontSize: 9, color: '#8a5a00' },
        encoding: { x: { field: 'from', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1 },
        encoding: {
          x: { field: 'minute', type: 'quantitative', title: 'minutes since first sample' },
          y: { field: 'value', type: 'quantitative', title: METRIC_LABEL[metric], scale: { zero: true } },
          color: { field: 'node', type: 'nominal', title: 'node' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** One box of a boxplot chart: R's five numbers and the outliers of one series. */
export interface BoxInput {
  /** Position on the x axis (a node, a file). */
  x: string;
  /** Boxes sharing an x stand side by side, one per group (a scenario run). */
  group: string;
  /** Colour key: a scenario name gets the scenario's colour. */
  color: string;
  stats: Pick<Descriptive, 'box' | 'n' | 'outliers' | 'outlierValues'>;
}

/** Side-by-side boxplots from R-identical statistics (whiskers, hinges, median) with the outliers as points. */
export function boxesSpec(input: BoxInput[], title: string, yTitle: string, labels = { x: 'node', group: 'scenario' }): TopLevelSpec {
  const boxes: Record<string, unknown>[] = [];
  const outliers: Record<string, unknown>[] = [];
  for (const b of input) {
    const [lo, q1, median, q3, hi] = b.stats.box;
    boxes.push({ x: b.x, group: b.group, color: b.color, lo, q1, median, q3, hi, outliers: b.stats.outliers, n: b.stats.n });
    // Identical sysstat values overlap on the chart, so each distinct outlier is drawn once.
    for (const v of [...new Set(b.stats.outlierValues)].slice(0, 400)) outliers.push({ x: b.x, group: b.group, color: b.color, value: v });
  }
  const colors = input.every((b) => b.color in SCENARIO_COLORS) ? { scale: scenarioScale } : {};
  const x = { field: 'x', type: 'nominal', title: labels.x, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'group', type: 'nominal', title: labels.group } as const;
  const color = { field: 'color', type: 'nominal', title: labels.group, ...colors } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, anchor: 'start', fontSize: 13 },
    width: { step: 48 },
    height: 220,
    layer: [
      {
        data: { values: boxes },
        mark: { type: 'rule' },
        encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: boxes },
        mark: { type: 'bar', size: 12, opacity: 0.55 },
        encoding: {
          x,
          xOffset,
          y: { field: 'q1', type: 'quantitative' },
          y2: { field: 'q3' },
          color,
          tooltip: [{ field: 'group' }, { field: 'x' }, { field: 'n' }, { field: 'median' }, { field: 'outliers' }],
        },
      },
      {
        data: { values: boxes },
        mark: { type: 'tick', color: 'black', size: 12 },
        encoding: { x, xOffset, y: { field: 'median', type: 'quantitative' } },
      },
      {
        data: { values: outliers },
        mark: { type: 'point', size: 10, filled: true, opacity: 0.6 },
        encoding: { x, xOffset, y: { field: 'value', type: 'quantitative' }, color },
      },
    ],
  } as TopLevelSpec;
}

/** Per node and scenario run, side by side. */
export function boxplotSpec(model: ReportModel, metric: MetricKey): TopLevelSpec {
  const input: BoxInput[] = [];
  for (const s of model.scenarios) {
    for (const run of s.runs) {
      for (const n of run.nodes) {
        const d = metric === 'cpu' ? n.cpu : n.memory;
        if (!d) continue;
        input.push({ x: n.node, group: s.runs.length > 1 ? `${s.scenario} #${run.repetition}` : s.scenario, color: s.scenario, stats: d });
      }
    }
  }
  return boxesSpec(input, `${METRIC_LABEL[metric]}: boxplots (R's boxplot.stats)`, METRIC_LABEL[metric]);
}

/** Per-scenario mean over repetitions with its 95 % CI, and each repetition's value (diamonds beside it). */
export function meansSpec(model: ReportModel, metric: 'cpuMean' | 'memoryMean'): TopLevelSpec {
  const means = model.scenarios.map((s) => ({
    scenario: s.scenario,
    mean: s.acrossRepetitions[metric].ci.mean,
    lower: s.acrossRepetitions[metric].ci.lower ?? s.acrossRepetitions[metric].ci.mean,
    upper: s.acrossRepetitions[metric].ci.upper ?? s.acrossRepetitions[metric].ci.mean,
  }));
  const reps = model.scenarios.flatMap((s) => s.acrossRepetitions[metric].values.map((value) => ({ scenario: s.scenario, value })));
  const title = metric === 'cpuMean' ? 'Mean CPU used, %' : 'Mean %memused';
  const x = { field: 'scenario', type: 'nominal', sort: scenarioScale.domain, title: null, axis: { labelAngle: 0 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${title}: mean with 95 % CI over repetitions`, anchor: 'start', fontSize: 13 },
    width: 300,
    height: 200,
    layer: [
      {
        data: { values: means },
        mark: { type: 'errorbar', ticks: { size: 12 }, color: '#444' },
        encoding: { x, y: { field: 'lower', type: 'quantitative', title, scale: { zero: false } }, y2: { field: 'upper' } },
      },
      {
        data: { values: means },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative' },
          color: { field: 'scenario', type: 'nominal', scale: scenarioScale, legend: null },
        },
      },
      {
        data: { values: reps },
        mark: { type: 'point', opacity: 0.7, size: 25, shape: 'diamond' },
        encoding: {
          x,
          xOffset: { value: 14 },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'scenario', type: 'nominal', scale: scenarioScale, legend: null },
        },
      },
    ],
  } as TopLevelSpec;
}
