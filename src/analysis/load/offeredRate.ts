/**
 * Whether the churn ran at the rate the design asked (issue 27): a rate the API server cannot keep up with is
 * reported as "offered rate not achieved: X of Y per minute", never silently lowered.
 */
import type { ChurnRecord } from './churnRecord';

/** Achieved within this fraction of the offered rate counts as achieved (the README's accuracy figure). */
export const RATE_TOLERANCE = 0.05;

export interface OfferedRateCheck {
  offeredPerMinute: number;
  /** Successful creates per minute over the record's span. */
  achievedPerMinute: number;
  achieved: boolean;
  /** The slowest whole minute's successful creates (null for a span under a minute). */
  slowestMinute: number | null;
  /** Set when not achieved: the report's words. */
  message?: string;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The verdict on a count of successful creates over `spanMs` alone (a churn resumed over attempts keeps counts, not times). */
export function checkOfferedCount(
  offeredPerMinute: number,
  created: number,
  spanMs: number,
  tolerance = RATE_TOLERANCE,
): Omit<OfferedRateCheck, 'slowestMinute'> {
  if (!(offeredPerMinute > 0)) throw new RangeError(`the offered rate must be more than 0 per minute, got ${offeredPerMinute}`);
  if (!(spanMs > 0)) throw new RangeError(`the load's span must be more than 0 ms, got ${spanMs}`);
  const achievedPerMinute = created / (spanMs / 60_000);
  const achieved = achievedPerMinute >= offeredPerMinute * (1 - tolerance);
  const check: Omit<OfferedRateCheck, 'slowestMinute'> = { offeredPerMinute, achievedPerMinute, achieved };
  if (!achieved) check.message = `offered rate not achieved: ${round1(achievedPerMinute)} of ${offeredPerMinute} per minute`;
  return check;
}

/**
 * From successful creates' start times (ms from the load's start) over `spanMs`: the load's length, the
 * record's end event when the writer closed it.
 */
export function checkOfferedRate(
  offeredPerMinute: number,
  createdAt: readonly number[],
  spanMs: number,
  tolerance = RATE_TOLERANCE,
): OfferedRateCheck {
  const { achievedPerMinute, achieved, message } = checkOfferedCount(offeredPerMinute, createdAt.length, spanMs, tolerance);
  const wholeMinutes = Math.floor(spanMs / 60_000);
  let slowestMinute: number | null = null;
  if (wholeMinutes > 0) {
    const perMinute = new Uint32Array(wholeMinutes);
    for (const at of createdAt) {
      const minute = Math.floor(at / 60_000);
      if (minute >= 0 && minute < wholeMinutes) perMinute[minute]!++;
    }
    slowestMinute = perMinute.reduce((a, b) => Math.min(a, b), Infinity);
  }
  const check: OfferedRateCheck = { offeredPerMinute, achievedPerMinute, achieved, slowestMinute };
  if (message) check.message = message;
  return check;
}

/** The same for a churn record; its span is the end event's time, else its last create. */
export function checkRecordRate(record: ChurnRecord, tolerance = RATE_TOLERANCE): OfferedRateCheck {
  const spanMs = record.endAt ?? record.creates.at.at(-1) ?? 0;
  return checkOfferedRate(record.header.offeredPerMinute, record.creates.at, spanMs, tolerance);
}
