import type { Descriptive } from '../analysis/stats/descriptive';
import type { ReportModel, RunSummary, SamplerOverheadSummary } from '../analysis/model/runData';
import { buysTables } from './buys';
import { detectableTables } from './detectableTable';
import { loadAcrossTables } from './loadAcrossTables';
import { loadTables } from './loadTable';
import { fmt, pValue, type Table } from './tableFormat';

const runLabel = (r: RunSummary) => `#${r.repetition}`;

function eachNode(model: ReportModel, row: (r: RunSummary, node: RunSummary['nodes'][number]) => string[]): string[][] {
  return model.scenarios.flatMap((s) => s.runs.flatMap((r) => r.nodes.map((n) => [s.scenario, runLabel(r), n.node, ...row(r, n)])));
}

/** The sampler's peak memory, or "not measured" with the reason: a peak that was not read is never shown as 0. */
export function peakText(overhead: SamplerOverheadSummary | null): string {
  if (!overhead) return '—';
  if (overhead.maxRssKiB === null) return `not measured (${overhead.maxRssNotMeasured ?? 'no reading'})`;
  return overhead.maxRssNotMeasured
    ? `${overhead.maxRssKiB} (some incarnations not measured: ${overhead.maxRssNotMeasured})`
    : String(overhead.maxRssKiB);
}

const boxText = (d: Descriptive | null) => (d ? d.box.map((v) => fmt(v)).join(' / ') : '—');

export function buildTables(model: ReportModel): Table[] {
  const tables: Table[] = [];
  tables.push({
    id: 'mean-use',
    title: 'Mean resource use',
    caption:
      'The thesis’s table: mean CPU used (100 − %idle) and mean %memused per node over the sampling window; the cluster row is the mean ' +
      'of the node means. Beside them, the time without samples and the CPU time the sampler itself used. CPU from: sar (the node’s ' +
      '/proc/stat), or cgroup (its cgroup’s cpu.stat, as % of its CPU limit: a container on a cgroup v2 host, whose /proc/stat is ' +
      'not its own).',
    columns: [
      'Scenario',
      'Run',
      'Node',
      'CPU used, mean %',
      'CPU from',
      '%memused, mean',
      'CPU samples',
      'RAM samples',
      'Gaps, s',
      'Sampler CPU, s',
      'Status',
    ],
    rows: model.scenarios.flatMap((s) =>
      s.runs.flatMap((r) => [
        ...r.nodes.map((n) => [
          s.scenario,
          runLabel(r),
          n.node,
          fmt(n.cpu?.mean),
          n.cpuSource,
          fmt(n.memory?.mean),
          String(n.cpu?.n ?? 0),
          String(n.memory?.n ?? 0),
          fmt(n.gaps.seconds, 0),
          fmt(n.samplerOverhead?.cpuSeconds),
          r.status,
        ]),
        [
          s.scenario,
          runLabel(r),
          'cluster',
          fmt(r.cluster.cpuMeanOfNodeMeans),
          [...new Set(r.nodes.map((n) => n.cpuSource))].join(', '),
          fmt(r.cluster.memoryMeanOfNodeMeans),
          String(r.cluster.cpu?.n ?? 0),
          String(r.cluster.memory?.n ?? 0),
          fmt(r.gaps.seconds, 0),
          fmt(r.samplerOverhead?.cpuSeconds),
          r.status,
        ],
      ]),
    ),
  });
  tables.push({
    id: 'outliers',
    title: 'Boxplot outliers (stability)',
    caption:
      'Outliers by R’s boxplot.stats: beyond 1.5 × the spread of Tukey’s hinges (fivenum). Box = lower whisker / lower hinge / median / ' +
      'upper hinge / upper whisker.',
    columns: ['Scenario', 'Run', 'Node', 'CPU outliers', 'CPU box', 'RAM outliers', 'RAM box'],
    rows: eachNode(model, (_r, n) => [
      n.cpu ? `${n.cpu.outliers} of ${n.cpu.n}` : '—',
      boxText(n.cpu),
      n.memory ? `${n.memory.outliers} of ${n.memory.n}` : '—',
      boxText(n.memory),
    ]),
  });
  tables.push({
    id: 'boot',
    title: 'Boot time',
    caption: 'systemd-analyze per node after the scenario (seconds); — where it could not be read.',
    columns: ['Scenario', 'Run', 'Node', 'Boot, s'],
    rows: eachNode(model, (_r, n) => [fmt(n.bootSeconds)]),
  });
  tables.push({
    id: 'timings',
    title: 'Deployment, scale-up, tool runs and findings',
    caption:
      'Seconds from apply to all replicas ready, from scale to 5 replicas to ready, and each security tool’s run; steps an operator ' +
      'skipped or that failed for good.',
    columns: ['Scenario', 'Run', 'Status', 'Deploy, s', 'Scale-up, s', 'Tool runs, s', 'Findings', 'Steps skipped or failed'],
    rows: model.scenarios.flatMap((s) =>
      s.runs.map((r) => [
        s.scenario,
        runLabel(r),
        r.error ? `${r.status}: ${r.error}` : r.status,
        fmt(r.deploySeconds),
        fmt(r.scaleUpSeconds),
        r.toolRuns.length ? r.toolRuns.map((t) => `${t.tool} ${t.mode}: ${fmt(t.seconds, 1)}`).join('; ') : '—',
        String(r.findings.total),
        r.stepsNotRun.length ? r.stepsNotRun.map((x) => `${x.step} ${x.status}${x.error ? ` (${x.error})` : ''}`).join('; ') : '—',
      ]),
    ),
  });
  const labels: Record<string, string> = {
    cpuMean: 'CPU used, mean %',
    memoryMean: '%memused, mean',
    cpuOutliers: 'CPU outliers',
    memoryOutliers: 'RAM outliers',
    deploySeconds: 'Deploy, s',
    scaleUpSeconds: 'Scale-up, s',
    bootSeconds: 'Boot, s',
    findings: 'Findings',
  };
  tables.push({
    id: 'repetitions',
    title: 'Over repetitions, and against the baseline',
    caption:
      'One value per completed repetition (cluster figures). 95 % CI from the t distribution; Welch’s t-test and Mann-Whitney U (exact ' +
      'without ties below 50 values, else normal approximation with continuity and tie correction, as R’s wilcox.test); Hedges’ g and ' +
      'rank-biserial r as effect sizes.',
    columns: ['Scenario', 'Metric', 'n', 'Mean', '95 % CI', 'Δ vs baseline', 'Welch p', 'Mann-Whitney p', 'Hedges g', 'Rank-biserial r'],
    rows: model.scenarios.flatMap((s) =>
      Object.entries(s.acrossRepetitions)
        .filter(([, a]) => a.values.length > 0)
        .map(([metric, a]) => {
          const c = a.vsBaseline;
          const digits = /Outliers|findings/i.test(metric) ? 1 : 2;
          return [
            s.scenario,
            labels[metric] ?? metric,
            String(a.ci.n),
            fmt(a.ci.mean, digits),
            a.ci.lower === null ? '—' : `${fmt(a.ci.lower, digits)} … ${fmt(a.ci.upper, digits)}`,
            c ? fmt(c.difference, digits) : '',
            c ? pValue(c.welch?.pValue) : '',
            c ? (c.mannWhitney?.pValue != null ? `${pValue(c.mannWhitney.pValue)} (${c.mannWhitney.method})` : '—') : '',
            c ? fmt(c.effect?.hedgesG) : '',
            c ? fmt(c.mannWhitney?.rankBiserial) : '',
          ];
        }),
    ),
  });
  tables.push({
    id: 'sampling',
    title: 'Sampling: interval, gaps and sampler overhead',
    caption: 'What may bias the figures above: gaps without samples (reboots, crashes) and the CPU time and memory of the sampler itself.',
    columns: [
      'Scenario',
      'Run',
      'Node',
      'Interval, s',
      'First sample',
      'Last sample',
      'Gaps',
      'Gap, s',
      'Sampler CPU, s',
      'Sampler max RSS, KiB',
    ],
    rows: eachNode(model, (_r, n) => [
      fmt(n.sampleIntervalSeconds, 0),
      n.firstSample ?? '—',
      n.lastSample ?? '—',
      String(n.gaps.count),
      fmt(n.gaps.seconds, 0),
      fmt(n.samplerOverhead?.cpuSeconds),
      peakText(n.samplerOverhead),
    ]),
  });
  tables.push({
    id: 'statistics',
    title: 'Descriptive statistics',
    caption: 'Quartiles q1/q3 as R’s quantile() (type 7); sd with n − 1.',
    columns: ['Scenario', 'Run', 'Node', 'Metric', 'n', 'Mean', 'Median', 'q1', 'q3', 'Min', 'Max', 'sd'],
    rows: model.scenarios.flatMap((s) =>
      s.runs.flatMap((r) =>
        [
          ...r.nodes.map((n) => ({ node: n.node, cpu: n.cpu, memory: n.memory })),
          { node: 'cluster (pooled)', cpu: r.cluster.cpu, memory: r.cluster.memory },
        ].flatMap((n) =>
          (
            [
              ['CPU used %', n.cpu],
              ['%memused', n.memory],
            ] as const
          )
            .filter(([, d]) => d)
            .map(([label, d]) => [
              s.scenario,
              runLabel(r),
              n.node,
              label,
              String(d!.n),
              fmt(d!.mean),
              fmt(d!.median),
              fmt(d!.q1),
              fmt(d!.q3),
              fmt(d!.min),
              fmt(d!.max),
              fmt(d!.sd),
            ]),
        ),
      ),
    ),
  });
  tables.push({
    id: 'findings',
    title: 'Findings',
    caption: 'Security tool findings by tool and severity.',
    columns: ['Scenario', 'Run', 'Tool', 'Severity', 'Count'],
    rows: model.scenarios.flatMap((s) =>
      s.runs.flatMap((r) => r.findings.byToolAndSeverity.map((f) => [s.scenario, runLabel(r), f.tool, f.severity, String(f.count)])),
    ),
  });
  tables.push({
    id: 'cluster-facts',
    title: 'Cluster facts and tool versions',
    caption: 'As recorded by the run.',
    columns: ['Scenario', 'Run', 'Fact', 'Value'],
    rows: model.scenarios.flatMap((s) =>
      s.runs.flatMap((r) =>
        Object.entries(r.clusterFacts ?? {}).map(([key, value]) => [
          s.scenario,
          runLabel(r),
          key,
          typeof value === 'string' ? value : JSON.stringify(value),
        ]),
      ),
    ),
  });
  tables.push(...detectableTables(model), ...loadTables(model), ...loadAcrossTables(model), ...buysTables(model));
  return tables;
}

