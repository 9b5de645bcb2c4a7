/**
 * `validate`'s estimate of what a design could detect (issue 27), before it runs: from a pilot's summary.json (each
 * headline metric's spread between its repetitions), else in standard deviations between repetitions.
 */
import { promises as fs } from 'node:fs';
import {
  detectableInSds,
  inUnit,
  pilotValues,
  plannedDetectable,
  type PilotValues,
  type PlannedDetectable,
} from '../../analysis/model/headlineDetectable';
import type { ExperimentConfig } from '../../config/experiment';

export interface DesignDetectable {
  repetitions: number;
  /** The design compares nothing (no baseline, or one scenario): why. */
  noComparison?: string;
  /** In standard deviations between repetitions: null below two repetitions. */
  standardDeviations: number | null;
  pilot?: { file: string; rows: PlannedDetectable[] };
}

/** Reads the pilot; an unreadable or foreign file throws naming it. */
export async function readPilot(file: string): Promise<PilotValues> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`);
  }
  return pilotValues(json, file);
}

export function designDetectable(config: ExperimentConfig, pilot?: { file: string; values: PilotValues }): DesignDetectable {
  const scenarios = config.scenarios;
  const repetitions = config.repetitions;
  const estimate: DesignDetectable = { repetitions, standardDeviations: detectableInSds(repetitions).difference };
  if (!scenarios.includes('baseline') || scenarios.length < 2) {
    estimate.noComparison = 'the design has no scenario to compare with baseline';
    return estimate;
  }
  if (pilot) estimate.pilot = { file: pilot.file, rows: plannedDetectable(pilot.values, scenarios, repetitions, !!config.load?.churn) };
  return estimate;
}

export function detectableText(d: DesignDetectable): string {
  const head =
    `what this design could detect against baseline (Welch's test, two-sided α 0.05, 80 % power, ` +
    `${d.repetitions} repetition${d.repetitions === 1 ? '' : 's'} of each scenario):`;
  if (d.noComparison) return `${head}\n  nothing: ${d.noComparison}\n`;
  if (d.standardDeviations === null) {
    return `${head}\n  nothing: with 1 repetition no difference can be tested; set repetitions to 2 or more\n`;
  }
  const sds = `  any metric: a true difference of ${d.standardDeviations.toFixed(2)} standard deviations between repetitions`;
  if (!d.pilot) return `${head}\n${sds}; pass --pilot <summary.json> of an earlier run for each headline metric in its unit\n`;
  const rows = d.pilot.rows.map((r) => {
    const sd = (v: number | null) => (v === null ? '—' : inUnit(r.metric, v));
    const figure = r.detectable?.difference == null ? `— (${r.why ?? r.detectable?.why})` : inUnit(r.metric, r.detectable.difference);
    return `    ${r.scenario}, ${r.metric.label}: ${figure} (pilot SD ${sd(r.scenarioSd)}, baseline ${sd(r.baselineSd)})`;
  });
  return `${head}\n${sds}\n  from the spread between repetitions in the pilot ${d.pilot.file}:\n${rows.join('\n')}\n`;
}
