import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from '../analysis/model/runData';
import { scenarioColors } from './charts';

/** The latencies the first screen names, each as its three quantiles; startup in seconds, the others in ms. */
export const LATENCY_CHARTS = [
  { prefix: 'create', title: 'Pod creates, as the client timed them', unit: 'ms', scale: 1 },
  { prefix: 'startup.ready', title: 'Pod startup, created to Ready', unit: 's', scale: 1000 },
  { prefix: 'http', title: 'HTTP requests to the app', unit: 'ms', scale: 1 },
] as const;
export type LatencyChart = (typeof LATENCY_CHARTS)[number];

const QUANTILES = ['p50', 'p95', 'p99'] as const;

export interface LatencyPoint {
  scenario: string;
  quantile: (typeof QUANTILES)[number];
  mean: number;
  n: number;
  lower: number | null;
  upper: number | null;
}

/** Each scenario's quantiles of one latency: the mean over repetitions and its 95 % CI (from two repetitions on). */
export function latencyPoints(model: ReportModel, chart: LatencyChart): LatencyPoint[] {
  const inUnit = (ms: number | null) => (ms === null ? null : ms / chart.scale);
  return model.scenarios.flatMap((s) =>
    QUANTILES.flatMap((quantile) => {
      const ci = s.load?.find((m) => m.key === `${chart.prefix}.${quantile}`)?.across.ci;
      if (!ci || ci.mean === null) return [];
      return [{ scenario: s.scenario, quantile, mean: ci.mean / chart.scale, n: ci.n, lower: inUnit(ci.lower), upper: inUnit(ci.upper) }];
    }),
  );
}

/**
 * Under load, one latency per chart: for each quantile, each scenario's mean over repetitions (dot) side by side with
 * its 95 % CI (bar), so a hardened scenario's cost at p99 reads against the baseline's at a glance. Undefined when no
 * run measured it.
 */
export function latencySpec(model: ReportModel, chart: LatencyChart): TopLevelSpec | undefined {
  const points = latencyPoints(model, chart);
  if (points.length === 0) return undefined;
  const scenarios = model.scenarios.map((s) => s.scenario).filter((name) => points.some((p) => p.scenario === name));
  const x = { field: 'quantile', type: 'nominal', sort: [...QUANTILES], title: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'scenario', type: 'nominal', sort: scenarios } as const;
  const y = { type: 'quantitative' as const, title: chart.unit, scale: { zero: true } };
  const color = {
    ...{ field: 'scenario', type: 'nominal', scale: scenarioColors(scenarios) },
    ...{ title: null, legend: { values: scenarios } },
  } as const;
  const intervals = points.filter((p) => p.lower !== null && p.upper !== null);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: chart.title, anchor: 'start', fontSize: 14 },
    width: 250,
    height: 200,
    layer: [
      ...(intervals.length
        ? [
            {
              data: { values: intervals },
              mark: { type: 'errorbar', ticks: { size: 6 }, color: '#444', clip: true },
              encoding: { x, xOffset, y: { field: 'lower', ...y }, y2: { field: 'upper' } },
            },
          ]
        : []),
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          x,
          xOffset,
          y: { field: 'mean', ...y },
          color,
          tooltip: [{ field: 'scenario' }, { field: 'quantile' }, { field: 'mean', format: '.3~f' }, { field: 'n' }],
        },
      },
    ],
  } as TopLevelSpec;
}
