// The analysis core's only file access: reading, so the parsers and the model stay pure functions of their input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExperimentDataError, mergeExperimentData, validateExperimentData, validateScenarioRunData } from './model/experimentData';
import { compareScenarios, SCENARIO_NAME_PATTERN } from '../domain/scenarios';
import type { ExperimentData, ScenarioRunData } from './model/runData';
import { parseSysstat, type ParsedSysstat } from './parsers';

export async function readSysstatFile(path: string, opts: { utcOffsetMinutes?: number } = {}): Promise<ParsedSysstat> {
  return parseSysstat(await readFile(path), { file: path, ...opts });
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExperimentDataError(file, `not JSON: ${(error as Error).message}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** One scenario run a report reads: `<dir>/<scenario>/<repetition>/scenario-data.json`. */
export interface PlannedRun {
  scenario: string;
  repetition: number;
}

/**
 * Reads an experiment's collected data: `<dir>/<scenario>/<rep>/scenario-data.json` files (preferred) merged over
 * an optional `<dir>/experiment-data.json`. With `planned` (a run's plan), only those runs count: whatever else
 * sits in the folder never reaches the report. Without it (a folder given by hand, a run of an earlier release),
 * every scenario folder is read. Throws ExperimentDataError naming the file when one is malformed, or when
 * neither exists.
 */
export async function readExperimentData(
  experimentDir: string,
  experimentId: string,
  planned?: readonly PlannedRun[],
): Promise<ExperimentData> {
  const wholeFile = join(experimentDir, 'experiment-data.json');
  let whole = (await exists(wholeFile)) ? validateExperimentData(await readJson(wholeFile), wholeFile) : undefined;
  const runs: ScenarioRunData[] = [];
  const wanted = planned ? plannedRuns(experimentDir, planned) : await scannedRuns(experimentDir);
  for (const { scenario, repetition } of wanted) {
    const file = join(experimentDir, scenario, String(repetition), 'scenario-data.json');
    if (!(await exists(file))) continue;
    const run = validateScenarioRunData(await readJson(file), file);
    if (run.scenario !== scenario || run.repetition !== repetition) {
      throw new ExperimentDataError(file, `holds ${run.scenario} #${run.repetition} but sits in ${scenario}/${repetition}`);
    }
    runs.push(run);
  }
  if (whole && planned) {
    const inPlan = (r: PlannedRun) => wanted.some((w) => w.scenario === r.scenario && w.repetition === r.repetition);
    whole = { ...whole, scenarios: whole.scenarios.filter(inPlan) };
  }
  if (!whole && runs.length === 0) {
    throw new ExperimentDataError(
      experimentDir,
      planned
        ? `none of the ${wanted.length} planned runs (${wanted.map(runName).join(', ')}) wrote scenario-data.json`
        : 'no experiment-data.json and no <scenario>/<repetition>/scenario-data.json files',
    );
  }
  return mergeExperimentData(experimentId, whole, runs);
}

const runName = (r: PlannedRun) => `${r.scenario}/${r.repetition}`;
const byScenarioThenRepetition = (a: PlannedRun, b: PlannedRun) => compareScenarios(a.scenario, b.scenario) || a.repetition - b.repetition;

/** The plan's runs in the report's order, once each; a name that is not a scenario's never becomes a path. */
function plannedRuns(experimentDir: string, planned: readonly PlannedRun[]): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const { scenario, repetition } of planned) {
    if (!SCENARIO_NAME_PATTERN.test(scenario) || !Number.isInteger(repetition) || repetition < 1) {
      const run = JSON.stringify({ scenario, repetition });
      throw new ExperimentDataError(experimentDir, `planned run ${run} is not a scenario name and repetition`);
    }
    if (!out.some((r) => r.scenario === scenario && r.repetition === repetition)) out.push({ scenario, repetition });
  }
  return out.sort(byScenarioThenRepetition);
}

/** Every folder named like a scenario (presets and the user's own) and its numbered repetitions; others (the report's) hold none. */
async function scannedRuns(experimentDir: string): Promise<PlannedRun[]> {
  const folders = (await readdir(experimentDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && SCENARIO_NAME_PATTERN.test(d.name))
    .map((d) => d.name);
  const out: PlannedRun[] = [];
  for (const scenario of folders) {
    // Canonical numbers only, so the folder read is the folder found ("01" is not repetition 1's).
    const reps = (await readdir(join(experimentDir, scenario))).filter((r) => /^(0|[1-9]\d*)$/.test(r));
    out.push(...reps.map((rep) => ({ scenario, repetition: Number(rep) })));
  }
  return out.sort(byScenarioThenRepetition);
}
