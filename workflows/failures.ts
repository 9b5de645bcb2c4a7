/** Turns Temporal's nested failures into one readable line: the root cause, with its type. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';

export function rootCause(err: unknown): unknown {
  let current = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) current = current.cause;
  return current;
}

export function describeFailure(err: unknown): string {
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure) return cause.type ? `${cause.type}: ${cause.message}` : cause.message;
  if (cause instanceof TemporalFailure || cause instanceof Error) return cause.message;
  return String(cause);
}

export function failureType(err: unknown): string | undefined {
  const cause = rootCause(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
