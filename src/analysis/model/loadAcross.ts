/**
 * The load phase's figures over repetitions (issue 27): each run's create, delete and startup quantiles and the
 * API server's admission costs become one value per completed repetition, judged over repetitions and against
 * the baseline exactly as CPU and memory are (across.ts). Pure.
 */
import { POD_PHASES, type PodPhase } from '../load/latency';
import { mean } from '../stats/simpleStatistics';
import { acrossRepetitions } from './across';
import type { AdmissionFigure, LoadAcrossMetric, LoadMetricGroup, LoadQuantiles, LoadRunData } from './loadTypes';
import type { RunSummary } from './runData';

interface LoadMetricDefinition {
  key: string;
  group: LoadMetricGroup;
  label: string;
  value: (load: LoadRunData) => number | null | undefined;
  count?: (load: LoadRunData) => number | undefined;
}

const QUANTILES = ['p50', 'p95', 'p99'] as const;
const PHASE_LABELS: Record<PodPhase, string> = {
  scheduled: 'scheduled',
  initialized: 'initialized',
  containersReady: 'containers ready',
  ready: 'ready',
};

/** A run's startup quantiles of one phase; older records kept Ready only. */
export function startupOf(load: LoadRunData, phase: PodPhase): LoadQuantiles | undefined {
  return load.startupMs?.[phase] ?? (phase === 'ready' ? load.readyMs : undefined);
}

const quantileOf = (q: LoadQuantiles | undefined, p: (typeof QUANTILES)[number]) => (q && q.n > 0 ? q[p] : undefined);

function fixedDefinitions(): LoadMetricDefinition[] {
  const api = (['create', 'delete'] as const).flatMap((op) =>
    QUANTILES.map((p) => ({
      key: `${op}.${p}`,
      group: 'api' as const,
      label: `pod ${op} ${p}`,
      value: (load: LoadRunData) => quantileOf(op === 'create' ? load.createMs : load.deleteMs, p),
    })),
  );
  const startup = POD_PHASES.flatMap(({ phase }) =>
    QUANTILES.map((p) => ({
      key: `startup.${phase}.${p}`,
      group: 'startup' as const,
      label: `pod startup to ${PHASE_LABELS[phase]} ${p}`,
      value: (load: LoadRunData) => quantileOf(startupOf(load, phase), p),
    })),
  );
  const server = (['meanMs', 'p99Ms'] as const).map((field) => ({
    key: `server.create.${field === 'meanMs' ? 'mean' : 'p99'}`,
    group: 'server' as const,
    label: `pod create in the API server, ${field === 'meanMs' ? 'mean' : 'p99'}`,
    value: (load: LoadRunData) => load.admission?.podCreates?.[field],
    count: (load: LoadRunData) => load.admission?.podCreates?.count,
  }));
  const http = [
    ...QUANTILES.map((p) => ({
      key: `http.${p}`,
      group: 'http' as const,
      label: `HTTP request ${p}`,
      value: (load: LoadRunData) => quantileOf(load.http?.latencyMs, p),
    })),
    {
      key: 'http.errorPercent',
      group: 'http' as const,
      label: 'HTTP errors, % of requests due',
      value: (load: LoadRunData) => (load.http ? load.http.errorRate * 100 : undefined),
    },
  ];
  return [...api, ...startup, ...server, ...http];
}

/** One metric per admission controller and webhook any run saw: its mean duration per admission. */
function admissionDefinitions(loads: LoadRunData[]): LoadMetricDefinition[] {
  const definitions: LoadMetricDefinition[] = [];
  for (const group of ['controller', 'webhook'] as const) {
    const list = (load: LoadRunData): AdmissionFigure[] =>
      (group === 'controller' ? load.admission?.controllers : load.admission?.webhooks) ?? [];
    const names = [...new Set(loads.flatMap((load) => list(load).map((f) => f.name)))].sort();
    for (const name of names) {
      const figure = (load: LoadRunData) => list(load).find((f) => f.name === name);
      definitions.push({
        key: `${group}.${name}`,
        group,
        label: `${group === 'controller' ? 'admission controller' : 'webhook'} ${name}, mean`,
        value: (load) => figure(load)?.meanMs,
        count: (load) => figure(load)?.count,
      });
    }
  }
  return definitions;
}

/**
 * Each scenario's load metrics over its completed repetitions, against the baseline's; scenarios none of whose
 * runs had a load phase get none. A metric no run measured is left out.
 */
export function loadAcrossScenarios(byScenario: Map<string, RunSummary[]>): Map<string, LoadAcrossMetric[]> {
  const loadsOf = (runs: RunSummary[]) => runs.filter((r) => r.status === 'completed' && r.load).map((r) => r.load!);
  const allLoads = [...byScenario.values()].flatMap(loadsOf);
  const result = new Map<string, LoadAcrossMetric[]>();
  if (![...byScenario.values()].some((runs) => runs.some((r) => r.load))) return result;
  const definitions = [...fixedDefinitions(), ...admissionDefinitions(allLoads)];
  const valuesOf = (loads: LoadRunData[], pick: (load: LoadRunData) => number | null | undefined) =>
    loads.flatMap((load) => {
      const v = pick(load);
      return v === null || v === undefined ? [] : [v];
    });
  const baseline = byScenario.get('baseline');
  for (const [scenario, runs] of byScenario) {
    if (!runs.some((r) => r.load)) continue;
    const loads = loadsOf(runs);
    const compareWith = scenario === 'baseline' || !baseline ? undefined : loadsOf(baseline);
    const metrics: LoadAcrossMetric[] = [];
    for (const d of definitions) {
      const values = valuesOf(loads, d.value);
      if (values.length === 0) continue;
      const metric: LoadAcrossMetric = {
        key: d.key,
        group: d.group,
        label: d.label,
        across: acrossRepetitions(values, compareWith && valuesOf(compareWith, d.value)),
      };
      const counts = d.count ? valuesOf(loads, d.count) : [];
      if (counts.length) metric.countMean = mean(counts);
      metrics.push(metric);
    }
    result.set(scenario, metrics);
  }
  return result;
}
