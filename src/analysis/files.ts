// The analysis core's only file access: reading, so the parsers and the model stay pure functions of their input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExperimentDataError, mergeExperimentData, validateExperimentData, validateScenarioRunData } from './model/load';
import { compareScenarios, SCENARIO_NAME_PATTERN } from '../domain/scenarios';
import type { ExperimentData, ScenarioRunData } from './model/types';
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

/**
 * Reads an experiment's collected data: `<dir>/<scenario>/<rep>/scenario-data.json` files (preferred) merged over
 * an optional `<dir>/experiment-data.json`. Throws ExperimentDataError naming the file when one is malformed,
 * or when neither exists.
 */
export async function readExperimentData(experimentDir: string, experimentId: string): Promise<ExperimentData> {
  const wholeFile = join(experimentDir, 'experiment-data.json');
  const whole = (await exists(wholeFile)) ? validateExperimentData(await readJson(wholeFile), wholeFile) : undefined;
  const runs: ScenarioRunData[] = [];
  // Every folder named like a scenario (presets and the user's own); others (the report's) hold no scenario-data.json.
  const folders = (await readdir(experimentDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && SCENARIO_NAME_PATTERN.test(d.name))
    .map((d) => d.name)
    .sort(compareScenarios);
  for (const scenario of folders) {
    const scenarioDir = join(experimentDir, scenario);
    const reps = (await readdir(scenarioDir)).filter((r) => /^\d+$/.test(r)).sort((a, b) => Number(a) - Number(b));
    for (const rep of reps) {
      const file = join(scenarioDir, rep, 'scenario-data.json');
      if (!(await exists(file))) continue;
      const run = validateScenarioRunData(await readJson(file), file);
      if (run.scenario !== scenario || run.repetition !== Number(rep)) {
        throw new ExperimentDataError(file, `holds ${run.scenario} #${run.repetition} but sits in ${scenario}/${rep}`);
      }
      runs.push(run);
    }
  }
  if (!whole && runs.length === 0) {
    throw new ExperimentDataError(
      experimentDir,
      'no experiment-data.json and no <scenario>/<repetition>/scenario-data.json files',
    );
  }
  return mergeExperimentData(experimentId, whole, runs);
}
