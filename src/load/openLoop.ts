/**
 * Open-loop scheduling for the load phase (issue 27): operation i is due at startMs + i × intervalMs and starts
 * then, whether or not earlier ones answered, so a slow API server meets the same offered rate and the run
 * records what it could not achieve instead of quietly slowing down (a closed loop hides exactly the cost
 * hardening adds). Pure but for the injected clock, so its accuracy is tested on a fake one.
 */

export interface LoadClock {
  now(): number;
  /** Resolves at `ms` (now or later), or at once when `signal` aborts. */
  sleepUntil(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock: Date.now with timers. */
export const wallClock: LoadClock = {
  now: () => Date.now(),
  sleepUntil: (ms, signal) =>
    new Promise<void>((resolve) => {
      const wait = ms - Date.now();
      if (wait <= 0 || signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface OpenLoopOptions {
  /** Time of operation 0; the schedule is anchored here, so a resumed loop keeps the first one's times. */
  startMs: number;
  intervalMs: number;
  /** No operation is due at or after this time. */
  endMs: number;
  /** The first index to run (a resumed loop skips what an earlier attempt did). */
  firstIndex?: number;
  /** Operations answering at once; a due operation beyond this is skipped and counted, never queued. */
  maxInFlight: number;
  signal?: AbortSignal;
}

export interface OpenLoopTally {
  /** Operations due in [firstIndex, end) before the loop stopped. */
  due: number;
  started: number;
  /** Due while maxInFlight operations were still waiting for an answer: not offered. */
  skippedBusy: number;
  ok: number;
  failed: number;
  /** How late the latest start was against its due time (ms): the scheduler's own accuracy. */
  maxLagMs: number;
  /** The next index due: where a resumed loop goes on. */
  nextIndex: number;
}

/** An operation: true when it succeeded. A throw counts as a failure, never stops the loop. */
export type Operation = (index: number, dueMs: number) => Promise<boolean>;

/** How many operations fall due in [startMs, endMs). */
export function operationsDue(options: Pick<OpenLoopOptions, 'startMs' | 'intervalMs' | 'endMs'>): number {
  return Math.max(0, Math.ceil((options.endMs - options.startMs) / options.intervalMs));
}

/** Runs the schedule to its end (or the signal), then waits for the answers still outstanding. */
export async function runOpenLoop(options: OpenLoopOptions, clock: LoadClock, operation: Operation): Promise<OpenLoopTally> {
  if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be more than 0, got ${options.intervalMs}`);
  if (!(options.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${options.maxInFlight}`);
  const tally: OpenLoopTally = { due: 0, started: 0, skippedBusy: 0, ok: 0, failed: 0, maxLagMs: 0, nextIndex: options.firstIndex ?? 0 };
  const pending = new Set<Promise<void>>();
  const total = operationsDue(options);
  for (let index = tally.nextIndex; index < total; index++) {
    const dueMs = options.startMs + index * options.intervalMs;
    await clock.sleepUntil(dueMs, options.signal);
    if (options.signal?.aborted) break;
    tally.due++;
    tally.nextIndex = index + 1;
    if (pending.size >= options.maxInFlight) {
      tally.skippedBusy++;
      continue;
    }
    tally.maxLagMs = Math.max(tally.maxLagMs, clock.now() - dueMs);
    tally.started++;
    const answer = Promise.resolve()
      .then(() => operation(index, dueMs))
      .then(
        (ok) => void (ok ? tally.ok++ : tally.failed++),
        () => void tally.failed++,
      )
      .finally(() => pending.delete(answer));
    pending.add(answer);
  }
  await Promise.all(pending);
  return tally;
}
