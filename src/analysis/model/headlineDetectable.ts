/**
 * What a run could have detected (issue 27), for the headline metrics (the first screen's: CPU, memory, pod
 * create p99, pod startup p99): per scenario, the smallest true difference from baseline its repetitions and their
 * measured spread find at 80 % power; before a run (`validate`), the same from a pilot's spread, or in standard
 * deviations when there is no pilot. Pure.
 */
import { z } from 'zod';
import { minimumDetectableDifference, type MinimumDetectable } from '../load/detectable';
import { sampleStandardDeviation } from '../stats/simpleStatistics';
import type { AcrossRepetitions, ScenarioSummary } from './runData';

export const HEADLINE_METRICS = [
  { key: 'cpuMean', label: 'CPU used, mean of node means', unit: 'points', scale: 1, digits: 2 },
  { key: 'memoryMean', label: '%memused, mean of node means', unit: 'points', scale: 1, digits: 2 },
  { key: 'create.p99', label: 'pod create p99', unit: 'ms', scale: 1, digits: 1 },
  { key: 'startup.ready.p99', label: 'pod startup to Ready p99', unit: 's', scale: 1000, digits: 2 },
] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

/** A headline metric of a scenario over its repetitions; undefined when the run did not measure it. */
export function headlineAcross(s: ScenarioSummary, key: HeadlineMetric['key']): AcrossRepetitions | undefined {
  if (key === 'cpuMean' || key === 'memoryMean') return s.acrossRepetitions[key];
  return s.load?.find((m) => m.key === key)?.across;
}

export interface DetectableRow {
  scenario: string;
  metric: HeadlineMetric;
  scenarioN: number;
  baselineN: number;
  /** Standard deviation over repetitions, in the model's unit (ms for latencies); null below two repetitions. */
  scenarioSd: number | null;
  baselineSd: number | null;
  detectable: MinimumDetectable;
  /** The difference measured, for comparison. */
  measured: number | null;
}

const sdOf = (values: number[]) => (values.length >= 2 ? sampleStandardDeviation(values) : null);

/** One row per scenario other than the baseline and headline metric both sides measured. */
export function detectableRows(scenarios: ScenarioSummary[]): DetectableRow[] {
  const baseline = scenarios.find((s) => s.scenario === 'baseline');
  if (!baseline) return [];
  return scenarios
    .filter((s) => s !== baseline)
    .flatMap((s) =>
      HEADLINE_METRICS.flatMap((metric) => {
        const mine = headlineAcross(s, metric.key);
        const theirs = headlineAcross(baseline, metric.key);
        const c = mine?.vsBaseline;
        if (!mine || !theirs || !c || mine.values.length === 0 || theirs.values.length === 0) return [];
        return [
          {
            scenario: s.scenario,
            metric,
            scenarioN: c.scenarioN,
            baselineN: c.baselineN,
            scenarioSd: sdOf(mine.values),
            baselineSd: sdOf(theirs.values),
            detectable: c.detectable,
            measured: c.difference,
          },
        ];
      }),
    );
}

/** A headline metric's difference in its own unit: "1.23 points", "0.40 s". */
export function inUnit(metric: HeadlineMetric, value: number): string {
  return `${(value / metric.scale).toFixed(metric.digits)} ${metric.unit}`;
}

/**
 * The trust box's words (beside the repetitions): per headline metric, the largest smallest-detectable difference
 * over the scenarios; null when none can be estimated (fewer than two repetitions, which that item already says).
 */
export function detectableDetail(scenarios: ScenarioSummary[]): string | null {
  const known = detectableRows(scenarios).filter((r) => r.detectable.difference !== null);
  if (known.length === 0) return null;
  const worst = HEADLINE_METRICS.flatMap((metric) => {
    const mine = known.filter((r) => r.metric.key === metric.key).map((r) => r.detectable.difference!);
    return mine.length ? [`${metric.label} ${inUnit(metric, Math.max(...mine))}`] : [];
  });
  return (
    `At 80 % power they detect a difference from baseline of at least: ${worst.join(', ')} (the largest over the ` +
    'scenarios; Welch’s test, two-sided α 0.05, from the spread between repetitions). A smaller true difference may ' +
    'pass unseen: “not significant” does not show there is none.'
  );
}

/** Before a run without a pilot: what `repetitions` of each side detect, in standard deviations between repetitions. */
export function detectableInSds(repetitions: number): MinimumDetectable {
  return minimumDetectableDifference({ sd: 1, n: repetitions }, { sd: 1, n: repetitions });
}

/** A pilot's per-repetition values of each headline metric, by scenario (from its summary.json). */
export type PilotValues = Map<string, Partial<Record<HeadlineMetric['key'], number[]>>>;

const valuesSchema = z.object({ values: z.array(z.number().finite()) });
const pilotSchema = z.object({
  scenarios: z.array(
    z.object({
      scenario: z.string().min(1),
      acrossRepetitions: z.object({ cpuMean: valuesSchema, memoryMean: valuesSchema }),
      load: z.array(z.object({ key: z.string(), across: valuesSchema })).optional(),
    }),
  ),
});

/** Reads a finished run's summary.json as a pilot; a file of another shape is refused naming the field. */
export function pilotValues(summary: unknown, file: string): PilotValues {
  const parsed = pilotSchema.safeParse(summary);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new Error(`${file}: not a hardenlab summary.json: ${where}: ${issue.message}`);
  }
  const pilot: PilotValues = new Map();
  for (const s of parsed.data.scenarios) {
    const load = new Map((s.load ?? []).map((m) => [m.key, m.across.values]));
    const byMetric: Partial<Record<HeadlineMetric['key'], number[]>> = {
      cpuMean: s.acrossRepetitions.cpuMean.values,
      memoryMean: s.acrossRepetitions.memoryMean.values,
    };
    for (const { key } of HEADLINE_METRICS) if (load.has(key)) byMetric[key] = load.get(key)!;
    pilot.set(s.scenario, byMetric);
  }
  return pilot;
}

export interface PlannedDetectable {
  scenario: string;
  metric: HeadlineMetric;
  /** The pilot's standard deviations (the model's unit); null where the pilot has fewer than two repetitions. */
  scenarioSd: number | null;
  baselineSd: number | null;
  /** Null when the pilot cannot say (`why`). */
  detectable: MinimumDetectable | null;
  why?: string;
}

/**
 * What `repetitions` of each scenario could detect against the baseline, from a pilot's spread: one row per
 * scenario other than the baseline and headline metric (the load's only when the design has a load).
 */
export function plannedDetectable(pilot: PilotValues, scenarios: string[], repetitions: number, withLoad: boolean): PlannedDetectable[] {
  const metrics = HEADLINE_METRICS.filter((m) => withLoad || m.key === 'cpuMean' || m.key === 'memoryMean');
  return scenarios
    .filter((s) => s !== 'baseline')
    .flatMap((scenario) =>
      metrics.map((metric): PlannedDetectable => {
        const mine = pilot.get(scenario)?.[metric.key] ?? [];
        const theirs = pilot.get('baseline')?.[metric.key] ?? [];
        const row = { scenario, metric, scenarioSd: sdOf(mine), baselineSd: sdOf(theirs) };
        const short = [...(mine.length < 2 ? [scenario] : []), ...(theirs.length < 2 ? ['baseline'] : [])];
        if (short.length) return { ...row, detectable: null, why: `the pilot has fewer than 2 repetitions of ${short.join(' and ')}` };
        const detectable = minimumDetectableDifference({ sd: row.scenarioSd!, n: repetitions }, { sd: row.baselineSd!, n: repetitions });
        return { ...row, detectable };
      }),
    );
}
