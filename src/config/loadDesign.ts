import { z } from 'zod';
import type { ClusterRef } from '../domain/contracts';
import { REQUEST_SET_IDS } from '../domain/requestSets';

/**
 * The design field `load` (issue 27): work for the cluster during the sampling window, so hardening's cost
 * under admission and traffic can be measured. Absent means the thesis's idle design. Design only: rates,
 * durations and a request set's id; where the app is and who sends the load are the worker's.
 */

const DAY = 86_400;
const positiveRate = (unit: string, max: number) =>
  z
    .number({ error: `a number of ${unit}` })
    .refine((v) => v > 0, { message: `must be more than 0 ${unit}`, abort: true })
    .refine((v) => v <= max, { message: `at most ${max} ${unit}` });

/** When the load runs: from startSeconds into the window, for durationSeconds (absent: to the window's end). */
const loadPeriodSchema = z
  .object({
    startSeconds: z.number().int().nonnegative().max(30 * DAY).default(0),
    durationSeconds: z.number().int().positive().max(30 * DAY).optional(),
  })
  .strict();

export const churnSchema = z
  .object({
    /** Pods created (and as many deleted) per minute, as kube-burner's churn. */
    podsPerMinute: positiveRate('pods per minute', 6000),
    /** Pods alive at once: each is deleted when this many newer ones exist. */
    podsAlive: z.number().int().min(1).max(1000).default(10),
    period: loadPeriodSchema.prefault({}),
  })
  .strict();

export const httpLoadSchema = z
  .object({
    /** Open-loop: requests are sent at this rate whether or not earlier ones answered. */
    requestsPerSecond: positiveRate('requests per second', 10_000),
    requestSet: z.enum(REQUEST_SET_IDS).default('front-page'),
    period: loadPeriodSchema.prefault({}),
  })
  .strict();

export const loadSchema = z
  .object({ churn: churnSchema.optional(), http: httpLoadSchema.optional() })
  .strict()
  .refine((load) => load.churn !== undefined || load.http !== undefined, {
    message: 'names neither churn nor http: leave load out for the idle design',
  });

export type LoadSpec = z.output<typeof loadSchema>;
export type LoadPeriod = z.output<typeof loadPeriodSchema>;

export interface LoadIssue {
  path: (string | number)[];
  message: string;
}

/** A period's absolute span in the window, in seconds from its start. */
export function loadSpan(period: LoadPeriod, windowSeconds: number): { startSeconds: number; endSeconds: number } {
  const durationSeconds = period.durationSeconds ?? windowSeconds - period.startSeconds;
  return { startSeconds: period.startSeconds, endSeconds: period.startSeconds + durationSeconds };
}

/** Where the worker sends the HTTP load from (its config's `load.httpFrom`): itself, or a load pod in the run's namespace. */
export const HTTP_LOAD_FROM = ['worker', 'pod'] as const;
export type HttpLoadFrom = (typeof HTTP_LOAD_FROM)[number];

/** The worker's HTTP load source for a cluster: itself, a load pod with its pinned image, or why it has none. */
export type HttpLoadSource = (cluster: ClusterRef) => { from: 'worker' } | { from: 'pod'; image: string } | { unavailable: string };

/**
 * The HTTP load needs an app the sender can reach: from the worker, its Service's load-balancer address; from a load pod
 * inside the cluster, any Service (its cluster address).
 */
export function httpSourceIssues(load: LoadSpec | undefined, serviceType: string, httpFrom: HttpLoadFrom): LoadIssue[] {
  if (!load?.http || httpFrom === 'pod' || serviceType === 'LoadBalancer') return [];
  return [
    {
      path: ['load', 'http'],
      message:
        `is sent from the worker to the app's load-balancer address, so it needs workload.serviceType LoadBalancer ` +
        `(got ${serviceType}); or set load.httpFrom: pod in the worker config to send it from a pod in the run's namespace`,
    },
  ];
}

/** The checks that need the rest of the design: each load must fit in the sampling window. */
export function loadIssues(load: LoadSpec | undefined, windowSeconds: number): LoadIssue[] {
  const issues: LoadIssue[] = [];
  for (const kind of ['churn', 'http'] as const) {
    const period = load?.[kind]?.period;
    if (!period) continue;
    const field = ['load', kind, 'period'];
    if (period.startSeconds >= windowSeconds) {
      const message = `starts at ${period.startSeconds} s, not inside the ${windowSeconds} s sampling window`;
      issues.push({ path: [...field, 'startSeconds'], message });
      continue;
    }
    const { endSeconds } = loadSpan(period, windowSeconds);
    if (endSeconds > windowSeconds) {
      issues.push({
        path: [...field, 'durationSeconds'],
        message: `the load (${period.durationSeconds} s from ${period.startSeconds} s) ends after the ${windowSeconds} s sampling window`,
      });
    }
  }
  return issues;
}
