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

/**
 * Heartbeats every `everyMs` until `work` settles: a long remote command (an apt install, `sadf -j` on a day of
 * one-second samples) says it is alive, so the heartbeat timeout detects a dead worker, not a slow command.
 */
export async function heartbeatWhile<T>(work: Promise<T>, details: unknown, everyMs = 20_000): Promise<T> {
  const timer = setInterval(() => safeHeartbeat(details), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
