/**
 * A scenario's steps: each runs its activity (with that activity's retries); when it still fails, the operator
 * decides whether to retry it, skip it or abort the scenario. Every attempt's outcome lands in the record.
 */
import { isCancellation } from '@temporalio/workflow';
import type { ScenarioRecord, StepName } from '../src/domain/contracts';
import type { ScenarioProgress } from '../src/domain/progress';
import { describeFailure } from './failures';
import type { OperatorGate } from './operatorGate';

/** Runs one step; resolves undefined when the operator skipped it. */
export type StepRunner = <T>(name: StepName, run: () => Promise<T>) => Promise<T | undefined>;

export class ScenarioAborted extends Error {
  constructor(readonly step: StepName, reason: string) {
    super(`aborted at step ${step}: ${reason}`);
    this.name = 'ScenarioAborted';
  }
}

export function createStepRunner(
  progress: ScenarioProgress,
  record: ScenarioRecord,
  gate: OperatorGate,
  refreshDetails: () => void,
): StepRunner {
  return async function step<T>(name: StepName, run: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      progress.step = name;
      progress.attempt = attempt;
      refreshDetails();
      const start = Date.now();
      try {
        const value = await run();
        record.steps.push({ step: name, status: 'ok', attempts: attempt, start, end: Date.now() });
        return value;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const error = describeFailure(err);
        const decision = await gate.decide(name, attempt, error);
        if (decision.action === 'retry') continue;
        const status = decision.action === 'skip' ? 'skipped' : 'failed';
        record.steps.push({ step: name, status, attempts: attempt, start, end: Date.now(), error });
        if (decision.action === 'skip') return undefined;
        throw new ScenarioAborted(name, error);
      }
    }
  };
}
