/** The sampling window as a scenario's progress query and the UI show it. */
import type { ScenarioProgress } from '../src/domain/progress';

export function windowProgress(startedAt: number, endsAt: number, now: number): ScenarioProgress['window'] {
  const clamped = Math.min(Math.max(now, startedAt), endsAt);
  return {
    startedAt,
    endsAt,
    elapsedSeconds: Math.round((clamped - startedAt) / 1000),
    remainingSeconds: Math.round((endsAt - clamped) / 1000),
    asOf: now,
  };
}

/** A copy for the query, its window brought up to the moment of asking. */
export function snapshot(progress: ScenarioProgress): ScenarioProgress {
  const window = progress.window && windowProgress(progress.window.startedAt, progress.window.endsAt, Date.now());
  return { ...progress, window, steps: [...progress.steps], decisions: [...progress.decisions] };
}
