/** What the progress queries return and what operators send. Shared by workflows, CLI and tests. */
import type { ArtifactKey, ScenarioStatus, StepName, StepRecord } from './contracts';
import type { RepetitionPlan } from './plan';
import type { ScenarioName } from './scenarios';

export type OperatorAction = 'retry' | 'skip' | 'abort';

export interface OperatorDecision {
  action: OperatorAction;
  /** Who decided, for the record (free text). */
  by?: string;
  reason?: string;
}

export interface WaitingForOperator {
  step: StepName;
  attempt: number;
  error: string;
  since: number;
  /** When the scenario aborts by itself if nobody answers. */
  deadline: number;
}

export interface ScenarioProgress {
  scenario: ScenarioName;
  repetition: number;
  status: 'running' | ScenarioStatus;
  step: StepName | 'starting' | 'finished';
  attempt: number;
  /**
   * `asOf`: the workflow time these figures were computed at. A query sees the time of the workflow's last task,
   * not the wall clock (hours old in a long window), so clients compute the time left from `endsAt` and their clock.
   */
  window?: { startedAt: number; endsAt: number; elapsedSeconds: number; remainingSeconds: number; asOf: number };
  waitingForOperator?: WaitingForOperator;
  decisions: (OperatorDecision & { step: StepName; at: number })[];
  steps: StepRecord[];
}

export interface ScenarioSummary {
  scenario: ScenarioName;
  repetition: number;
  workflowId: string;
  artifactKey: ArtifactKey;
  status: 'pending' | 'running' | ScenarioStatus;
  error?: string;
}

export interface ExperimentProgress {
  experimentId: string;
  phase: 'resolving' | 'provisioning' | 'running' | 'reporting' | 'finished';
  seed?: number;
  plan: RepetitionPlan[];
  scenarios: ScenarioSummary[];
}

export interface ExperimentResult {
  experimentId: string;
  seed: number;
  plan: RepetitionPlan[];
  scenarios: ScenarioSummary[];
  reportDir?: string;
  htmlPath?: string;
  partial: boolean;
  /** Cleanup that failed (the shared cluster's teardown): what may be left behind. */
  cleanupErrors?: string[];
  reportError?: string;
}
