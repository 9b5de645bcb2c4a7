import { Context } from '@temporalio/activity';

/** Heartbeats when running inside an activity; a no-op when the function is called directly (tests, CLI). */
export function safeHeartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity context.
  }
}

/** The last heartbeat details of a retried activity, so it resumes instead of restarting. */
export function lastHeartbeat<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}

/** An AbortSignal cancelled when Temporal cancels the activity (never, outside an activity). */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
