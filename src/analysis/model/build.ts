import type { NodeSeries, SamplerOverheadFigures } from '../../domain/samples';
import { compareScenarios } from '../../domain/scenarios';
import { describe, type Descriptive } from '../stats/descriptive';
import { buildFirstScreen } from './firstScreen';
import { gapsWithoutSamples } from './gaps';
import { reportFinding } from './redact';
import { acrossRepetitions } from './across';
import { loadAcrossScenarios } from './loadAcross';
import {
  ACROSS_METRICS,
  type AcrossMetric,
  type AcrossRepetitions,
  type ExperimentData,
  type NodeRunSummary,
  type ReportModel,
  type RunSummary,
  type SamplerOverheadSummary,
  type ScenarioRunData,
  type ScenarioSummary,
} from './runData';

const iso = (ms: number) => new Date(ms).toISOString();

function count(keys: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) out[key ?? 'unknown'] = (out[key ?? 'unknown'] ?? 0) + 1;
  return out;
}

function medianSpacingSeconds(times: number[]): number | null {
  if (times.length < 2) return null;
  const steps = times
    .slice(1)
    .map((t, i) => t - times[i]!)
    .sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]! / 1000;
}

function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

/** CPU summed; the largest peak read (null when none was), and why peaks are missing (per node when several). */
function summarizeOverhead(overheads: readonly ({ node: string } & SamplerOverheadFigures)[]): SamplerOverheadSummary {
  const peaks = overheads.flatMap((o) => (o.maxRssKiB ? [o.maxRssKiB] : []));
  const reasonOf = (o: (typeof overheads)[number]) => (overheads.length > 1 ? `${o.node}: ${o.maxRssNotMeasured}` : o.maxRssNotMeasured!);
  const reasons = overheads.flatMap((o) => (o.maxRssNotMeasured ? [reasonOf(o)] : []));
  const access = overheads.flatMap((o) => (o.accessPodCpuSeconds === undefined ? [] : [o.accessPodCpuSeconds]));
  const accessMissing = overheads.flatMap((o) => (o.accessPodCostUnavailable ? [`${o.node}: ${o.accessPodCostUnavailable}`] : []));
  return {
    cpuSeconds: overheads.reduce((s, o) => s + o.cpuSeconds, 0),
    maxRssKiB: peaks.length ? Math.max(...peaks) : null,
    maxRssNotMeasured: reasons.length ? reasons.join('; ') : null,
    ...(access.length ? { accessPodCpuSeconds: access.reduce((s, v) => s + v, 0) } : {}),
    ...(accessMissing.length ? { accessPodCostUnavailable: accessMissing.join('; ') } : {}),
    ...(overheads.some((o) => o.sysstatUploaded)
      ? { sysstatUploadedOn: overheads.filter((o) => o.sysstatUploaded).map((o) => o.node) }
      : {}),
  };
}

function summarizeNode(run: ScenarioRunData, series: NodeSeries): NodeRunSummary {
  const times = (series.cpu.length ? series.cpu : series.memory).map((s) => s.time);
  const gaps = gapsWithoutSamples(run.gaps, [series]).filter((g) => g.node === series.node);
  const overhead = run.samplerOverhead?.find((o) => o.node === series.node);
  return {
    node: series.node,
    cpu: describe(series.cpu.map((s) => s.used)),
    cpuSource: series.cpuSource ?? 'sar',
    memory: describe(series.memory.map((s) => s.memUsedPercent)),
    firstSample: times.length ? iso(times.reduce((a, b) => Math.min(a, b))) : null,
    lastSample: times.length ? iso(times.reduce((a, b) => Math.max(a, b))) : null,
    sampleIntervalSeconds: medianSpacingSeconds(times),
    gaps: {
      count: gaps.length,
      seconds: gaps.reduce((s, g) => s + (g.end - g.start) / 1000, 0),
      reasons: [...new Set(gaps.map((g) => g.reason))],
    },
    samplerOverhead: overhead ? summarizeOverhead([overhead]) : null,
    bootSeconds: run.timings.bootSeconds?.[series.node] ?? null,
  };
}

function pooled(nodes: NodeSeries[], pick: (n: NodeSeries) => number[]): Descriptive | null {
  const all: number[] = [];
  for (const n of nodes) for (const v of pick(n)) all.push(v);
  return describe(all);
}

export function summarizeRun(run: ScenarioRunData): RunSummary {
  const nodes = run.nodes.map((n) => summarizeNode(run, n));
  const boots = Object.values(run.timings.bootSeconds ?? {}).filter((b): b is number => typeof b === 'number');
  const findings = run.findings ?? [];
  let start = Infinity;
  let end = -Infinity;
  for (const n of run.nodes) {
    for (const s of [...n.cpu, ...n.memory]) {
      if (s.time < start) start = s.time;
      if (s.time > end) end = s.time;
    }
  }
  const overheads = run.samplerOverhead ?? [];
  const unsampled = gapsWithoutSamples(run.gaps, run.nodes);
  return {
    scenario: run.scenario,
    repetition: run.repetition,
    status: run.status,
    error: run.error ?? null,
    nodes,
    cluster: {
      cpu: pooled(run.nodes, (n) => n.cpu.map((s) => s.used)),
      memory: pooled(run.nodes, (n) => n.memory.map((s) => s.memUsedPercent)),
      cpuMeanOfNodeMeans: meanOf(nodes.flatMap((n) => (n.cpu ? [n.cpu.mean] : []))),
      memoryMeanOfNodeMeans: meanOf(nodes.flatMap((n) => (n.memory ? [n.memory.mean] : []))),
    },
    deploySeconds: run.timings.deploySeconds ?? null,
    scaleUpSeconds: run.timings.scaleUpSeconds ?? null,
    bootSecondsMean: meanOf(boots),
    toolRuns: (run.timings.toolRuns ?? []).map((t) => ({
      tool: t.tool,
      mode: t.mode,
      start: iso(t.start),
      end: iso(t.end),
      seconds: (t.end - t.start) / 1000,
    })),
    stepsNotRun: run.stepsNotRun ?? [],
    load: run.load ?? null,
    findings: {
      total: findings.length,
      byTool: count(findings.map((f) => f.tool)),
      bySeverity: count(findings.map((f) => f.severity)),
      byStatus: count(findings.map((f) => f.status)),
      byToolAndSeverity: Object.entries(count(findings.map((f) => `${f.tool}\u0000${f.severity ?? 'unknown'}`))).map(([key, n]) => ({
        tool: key.split('\u0000')[0]!,
        severity: key.split('\u0000')[1]!,
        count: n,
      })),
      details: findings.map(reportFinding),
    },
    gaps: { count: unsampled.length, seconds: unsampled.reduce((s, g) => s + (g.end - g.start) / 1000, 0) },
    samplerOverhead: overheads.length ? summarizeOverhead(overheads) : null,
    hardening: run.hardening ?? null,
    definition: run.definition ?? null,
    attacks: run.attacks ?? [],
    audits: run.audits ?? null,
    clusterFacts: run.clusterFacts ?? null,
    nodeIdentity: run.nodeIdentity ?? [],
    window: Number.isFinite(start) ? { start, end } : null,
  };
}

/** The per-repetition value of each metric compared across repetitions; undefined when the run lacks it. */
function metricOf(run: RunSummary, metric: AcrossMetric): number | undefined {
  const sumNodes = (pick: (n: NodeRunSummary) => number | undefined) => {
    const values = run.nodes.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((s, v) => s + v, 0) : undefined;
  };
  switch (metric) {
    case 'cpuMean':
      return run.cluster.cpuMeanOfNodeMeans ?? undefined;
    case 'memoryMean':
      return run.cluster.memoryMeanOfNodeMeans ?? undefined;
    case 'cpuOutliers':
      return sumNodes((n) => n.cpu?.outliers);
    case 'memoryOutliers':
      return sumNodes((n) => n.memory?.outliers);
    case 'deploySeconds':
      return run.deploySeconds ?? undefined;
    case 'scaleUpSeconds':
      return run.scaleUpSeconds ?? undefined;
    case 'bootSeconds':
      return run.bootSecondsMean ?? undefined;
    case 'findings':
      return run.findings.total;
  }
}

function across(runs: RunSummary[], baseline: RunSummary[] | undefined, metric: AcrossMetric): AcrossRepetitions {
  const valuesOf = (rs: RunSummary[]) =>
    rs
      .filter((r) => r.status === 'completed')
      .flatMap((r) => {
        const v = metricOf(r, metric);
        return v === undefined ? [] : [v];
      });
  return acrossRepetitions(valuesOf(runs), baseline && valuesOf(baseline));
}

export interface BuildOptions {
  /** ISO time written into the model; defaults to now. */
  generatedAt?: string;
  /** The experiment did not finish (report built from what exists). */
  partial?: boolean;
}

/** Pure: the comparison report's figures from the collected data. */
export function buildReportModel(data: ExperimentData, opts: BuildOptions = {}): ReportModel {
  const runs = [...data.scenarios].sort((a, b) => compareScenarios(a.scenario, b.scenario) || a.repetition - b.repetition);
  const byScenario = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const list = byScenario.get(run.scenario) ?? [];
    list.push(summarizeRun(run));
    byScenario.set(run.scenario, list);
  }
  const baselineRuns = byScenario.get('baseline');
  const loadAcross = loadAcrossScenarios(byScenario);
  const scenarios: ScenarioSummary[] = [...byScenario.keys()].map((scenario) => {
    const scenarioRuns = byScenario.get(scenario)!;
    const compareWith = scenario === 'baseline' ? undefined : baselineRuns;
    const acrossRepetitions = Object.fromEntries(ACROSS_METRICS.map((m) => [m, across(scenarioRuns, compareWith, m)])) as Record<
      AcrossMetric,
      AcrossRepetitions
    >;
    return {
      scenario,
      repetitions: scenarioRuns.length,
      completed: scenarioRuns.filter((r) => r.status === 'completed').length,
      runs: scenarioRuns,
      acrossRepetitions,
      ...(loadAcross.has(scenario) ? { load: loadAcross.get(scenario)! } : {}),
    };
  });

  const notes: string[] = [];
  const minCompleted = Math.min(...scenarios.map((s) => s.completed));
  if (scenarios.length && minCompleted < 2) {
    notes.push(
      'Confidence intervals and tests against the baseline need at least two completed repetitions per scenario; with fewer they are ' +
        'left empty.',
    );
  }
  for (const s of scenarios) {
    for (const r of s.runs) {
      if (r.status !== 'completed')
        notes.push(`${r.scenario} #${r.repetition} ${r.status}${r.error ? `: ${r.error}` : ''}; not counted across repetitions.`);
      if (r.gaps.count > 0)
        notes.push(`${r.scenario} #${r.repetition}: ${r.gaps.count} sampling gap(s), ${r.gaps.seconds} s without samples.`);
      // The load phase's shortfalls are said, never smoothed over (issue 27).
      for (const why of [r.load?.rateMessage, r.load?.error, ...(r.load?.notRun ?? [])].filter(Boolean))
        notes.push(`${r.scenario} #${r.repetition}: load phase: ${why}.`);
    }
  }
  if (opts.partial) notes.push('Partial report: the experiment did not finish; scenarios without data are missing.');

  return {
    schemaVersion: 1,
    experimentId: data.experimentId,
    startedAt: data.startedAt,
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    partial: opts.partial ?? false,
    scenarios,
    notes,
    firstScreen: buildFirstScreen(scenarios),
    series: runs.map((r) => ({
      scenario: r.scenario,
      repetition: r.repetition,
      status: r.status,
      nodes: r.nodes,
      toolRuns: r.timings.toolRuns ?? [],
    })),
  };
}
