import { isPreset, type PresetScenario } from '../../domain/scenarios';

/** One scenario's published figures: cluster means over the 24-hour window. */
export interface ThesisFigures {
  cpuMean: number;
  memoryMean: number;
  cpuOutliers: number;
  memoryOutliers: number;
  bootSeconds: number;
}

/**
 * The 2021 thesis's own table, the reference this experiment reproduces: shown beside this run's figures and
 * as reference marks on the headline chart, always labelled as the thesis's.
 */
export const THESIS = {
  label: 'thesis (2021)',
  nodes: '3 × Linode 2 GB',
  windowSeconds: 86_400,
  intervalSeconds: 600,
  scenarios: {
    baseline: { cpuMean: 10, memoryMean: 86.73, cpuOutliers: 3, memoryOutliers: 0, bootSeconds: 9.418 },
    'best-practices': { cpuMean: 11.85, memoryMean: 65.16, cpuOutliers: 4, memoryOutliers: 0, bootSeconds: 9.243 },
    'security-tools': { cpuMean: 12.3, memoryMean: 86.47, cpuOutliers: 11, memoryOutliers: 0, bootSeconds: 11.334 },
  } satisfies Record<PresetScenario, ThesisFigures>,
} as const;

/** The thesis's figures for one of its scenarios; none for a scenario of the user's own. */
export function thesisFigures(scenario: string): ThesisFigures | undefined {
  return isPreset(scenario) ? THESIS.scenarios[scenario] : undefined;
}
