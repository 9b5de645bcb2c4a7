/**
 * An experiment whose runs all had a load phase (issue 27): baseline and best-practices, three repetitions each, with
 * create, startup, admission and HTTP figures chosen so the CIs and tests can be checked against R (loadAcross.test.ts).
 */
import { validateScenarioRunData } from '../../../../src/analysis/model/experimentData';
import type { AdmissionFigure, ExperimentData, LoadRunData, ScenarioRunData } from '../../../../src/analysis/model/runData';
import { fixtureExperiment } from './fixtures';

export const CREATE_P99: Record<string, number[]> = { baseline: [12.1, 13.4, 11.8], 'best-practices': [15.2, 17.9, 16.3] };
export const POD_SECURITY_MS: Record<string, number[]> = { baseline: [0.01, 0.012, 0.011], 'best-practices': [0.05, 0.061, 0.048] };
export const READY_P99: Record<string, number[]> = { baseline: [2000, 3000, 2000], 'best-practices': [3000, 3000, 4000] };

const figure = (name: string, meanMs: number, count: number): AdmissionFigure => ({
  ...{ name, count, meanMs },
  ...{ p50Ms: null, p95Ms: null, p99Ms: null },
});

export function loadOf(scenario: string, k: number): LoadRunData {
  const quantiles = (p99: number) => ({ n: 60, p50: p99 / 2, p95: p99 * 0.9, p99 });
  const webhooks = scenario === 'best-practices' ? [figure('validate.policy.example', [2.1, 2.5, 1.9][k]!, 60)] : [];
  return {
    churnRunsOn: 'worker',
    offeredPerMinute: 60,
    achievedPerMinute: 60,
    createMs: quantiles(CREATE_P99[scenario]![k]!),
    deleteMs: quantiles(5 + k),
    // Older records carry readyMs alone; the newer startupMs wins where both are present.
    ...(k === 0 ? { readyMs: quantiles(READY_P99[scenario]![k]!) } : { startupMs: { ready: quantiles(READY_P99[scenario]![k]!) } }),
    admission: {
      controllers: [figure('PodSecurity', POD_SECURITY_MS[scenario]![k]!, 120 + k), figure('LimitRanger', 0.002, 120)],
      webhooks,
      podCreates: figure('pod create', 4 + k, 60),
    },
    http: {
      ...{ runsOn: 'worker', requestSet: 'front-page', offeredPerSecond: 10, achievedPerSecond: 10, due: 600, errors: k },
      ...{ errorRate: k / 600, generatorCpuSeconds: 0.5, errorSamples: [] },
      latencyMs: quantiles(scenario === 'baseline' ? 3 + k : 5 + k),
    },
    notRun: [],
  };
}

/** Baseline and best-practices, three repetitions each, every run with a load phase (through the record's schema). */
export function loadExperiment(): ExperimentData {
  const data = fixtureExperiment();
  const runs = data.scenarios.filter((r) => r.scenario !== 'security-tools');
  const third = runs.filter((r) => r.repetition === 1).map((r) => ({ ...r, repetition: 3 }));
  const scenarios = [...runs, ...third].map((run: ScenarioRunData) => {
    const withLoad = { ...run, load: loadOf(run.scenario, run.repetition - 1) };
    return validateScenarioRunData(JSON.parse(JSON.stringify(withLoad)), 'scenario-data.json');
  });
  return { ...data, scenarios };
}
