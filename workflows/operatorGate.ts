/**
 * When a step has exhausted its automatic retries, the scenario waits for an operator instead of
 * throwing away a day of samples: retry the step, skip it, or abort (reset still runs). Nobody
 * answering within the configured time counts as abort.
 */
import { condition, setHandler } from '@temporalio/workflow';
import type { StepName } from '../src/domain/contracts';
import type { OperatorDecision, ScenarioProgress } from '../src/domain/progress';
import { operatorDecisionSignal, operatorDecisionUpdate } from './definitions';

const ACTIONS = new Set(['retry', 'skip', 'abort']);

export class OperatorGate {
  private pending: OperatorDecision | undefined;

  constructor(
    private readonly progress: ScenarioProgress,
    private readonly timeoutMs: number,
    private readonly onChange: () => void,
  ) {
    setHandler(operatorDecisionSignal, (decision) => {
      if (this.progress.waitingForOperator && isDecision(decision)) this.pending = decision;
    });
    setHandler(
      operatorDecisionUpdate,
      async (decision) => {
        this.pending = decision;
        return `${decision.action} accepted for step ${this.progress.waitingForOperator?.step ?? '?'}`;
      },
      {
        validator: (decision) => {
          if (!isDecision(decision)) throw new Error('expected {"action": "retry" | "skip" | "abort"}');
          if (!this.progress.waitingForOperator) throw new Error('no step is waiting for an operator decision');
        },
      },
    );
  }

  /** Waits for a decision about a failed step; aborts by itself after the timeout. */
  async decide(step: StepName, attempt: number, error: string): Promise<OperatorDecision> {
    const since = Date.now();
    this.pending = undefined;
    this.progress.waitingForOperator = { step, attempt, error, since, deadline: since + this.timeoutMs };
    this.onChange();
    try {
      const answered = await condition(() => this.pending !== undefined, this.timeoutMs);
      const decision: OperatorDecision =
        answered && this.pending
          ? this.pending
          : { action: 'abort', by: 'timeout', reason: `no decision within ${Math.round(this.timeoutMs / 1000)} s` };
      this.progress.decisions.push({ ...decision, step, at: Date.now() });
      return decision;
    } finally {
      this.progress.waitingForOperator = undefined;
      this.pending = undefined;
      this.onChange();
    }
  }
}

function isDecision(value: unknown): value is OperatorDecision {
  return typeof value === 'object' && value !== null && ACTIONS.has((value as { action?: unknown }).action as string);
}
