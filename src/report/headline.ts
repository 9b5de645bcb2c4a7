import type { TopLevelSpec } from 'vega-lite';
import { thesisFigures } from '../analysis/model/thesis';
import type { ReportModel } from '../analysis/model/runData';
import { scenarioColors } from './charts';

type HeadlineMetric = 'cpu' | 'memory';
const TITLES: Record<HeadlineMetric, string> = { cpu: 'Mean CPU used, %', memory: 'Mean %memused' };

/**
 * The report's headline chart for one metric: per scenario the mean over repetitions (large dot) with its 95 % CI
 * when there are two or more, every node's own mean in every run (small dots), and the thesis's published figure
 * as a labelled black tick, so this run and the reference read at one glance.
 */
export function headlineSpec(model: ReportModel, metric: HeadlineMetric): TopLevelSpec {
  const key = metric === 'cpu' ? 'cpuMean' : 'memoryMean';
  const scenarios = model.scenarios.map((s) => s.scenario);
  const means = model.scenarios.flatMap((s) => {
    const ci = s.acrossRepetitions[key].ci;
    return ci.mean === null ? [] : [{ scenario: s.scenario, mean: ci.mean, n: ci.n, lower: ci.lower, upper: ci.upper }];
  });
  const intervals = means.filter((m) => m.lower !== null && m.upper !== null);
  const nodes = model.scenarios.flatMap((s) =>
    s.runs
      .filter((r) => r.status === 'completed')
      .flatMap((r) =>
        r.nodes.flatMap((n) => {
          const d = metric === 'cpu' ? n.cpu : n.memory;
          return d ? [{ scenario: s.scenario, value: d.mean, node: `${n.node} #${r.repetition}` }] : [];
        }),
      ),
  );
  const thesis = scenarios.flatMap((scenario) => {
    const value = thesisFigures(scenario)?.[key];
    return value === undefined ? [] : [{ scenario, value, label: `thesis ${value}` }];
  });
  const x = { field: 'scenario', type: 'nominal', sort: scenarios, title: null, axis: { labelAngle: 0, labelFontSize: 11 } } as const;
  // Both are percentages of the node: 0–100 keeps scenarios, nodes and the thesis on one honest scale.
  const y = { type: 'quantitative' as const, title: TITLES[metric], scale: { domain: [0, 100] } };
  const color = { field: 'scenario', type: 'nominal', scale: scenarioColors(scenarios), legend: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${TITLES[metric]} per scenario`, anchor: 'start', fontSize: 14 },
    width: 250,
    height: 230,
    layer: [
      {
        data: { values: nodes },
        mark: { type: 'point', size: 22, opacity: 0.55, filled: false, xOffset: -14 },
        encoding: { x, y: { field: 'value', ...y }, color, tooltip: [{ field: 'node' }, { field: 'value', format: '.2f' }] },
      },
      ...(intervals.length
        ? [
            {
              data: { values: intervals },
              mark: { type: 'errorbar', ticks: { size: 10 }, color: '#444', clip: true },
              encoding: { x, y: { field: 'lower', ...y }, y2: { field: 'upper' } },
            },
          ]
        : []),
      {
        data: { values: means },
        mark: { type: 'point', filled: true, size: 110, opacity: 1 },
        encoding: {
          x,
          y: { field: 'mean', ...y },
          color,
          tooltip: [{ field: 'scenario' }, { field: 'mean', format: '.2f' }, { field: 'n' }],
        },
      },
      {
        data: { values: thesis },
        mark: { type: 'tick', color: 'black', thickness: 2, size: 22, xOffset: 16 },
        encoding: { x, y: { field: 'value', ...y } },
      },
      {
        data: { values: thesis },
        mark: { type: 'text', align: 'center', baseline: 'bottom', xOffset: 16, dy: -3, fontSize: 10, color: 'black' },
        encoding: { x, y: { field: 'value', ...y }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}
