/**
 * The load phase's activity requests and results (issue 27). Plain data through Temporal history: rates, times,
 * counts and artifact keys; the records themselves stay in the artifact store.
 */
import type { WorkloadSpec } from '../config/experiment';
import type { HttpLoadResult } from '../load/httpLoad';
import type { ArtifactKey, ScopedRequest } from './contracts';
import type { RequestSetId } from './requestSets';

export interface PodChurnRequest extends ScopedRequest {
  artifactKey: ArtifactKey;
  workload: WorkloadSpec;
  /** The scenario's hardened pod (restricted security context), as deployWorkload's flag. */
  hardened: boolean;
  podsPerMinute: number;
  podsAlive: number;
  /** The load's start (epoch ms) as the workflow fixed it, so every attempt keeps one schedule. */
  startAtMs: number;
  durationSeconds: number;
}

/** What the churn did; its heartbeat details too, so a retry resumes from them. */
export interface ChurnProgress {
  nextIndex: number;
  created: number;
  createFailed: number;
  deleted: number;
  deleteFailed: number;
  /** Due while too many calls were still unanswered: never offered to the API server. */
  skippedBusy: number;
  /** Due while no attempt was running (between a failed attempt and its retry). */
  missed: number;
  startups: number;
}

export interface ChurnResult extends ChurnProgress {
  /** Creates the schedule had due over the whole span. */
  due: number;
  /** How late the latest create started against its due time (ms): the scheduler's own accuracy. */
  maxLagMs: number;
}

export interface PodChurnResult extends ChurnResult {
  offeredPerMinute: number;
  /** Successful creates per minute over the load's span. */
  achievedPerMinute: number;
  /** "offered rate not achieved: X of Y per minute" when below the tolerance. */
  rateMessage?: string;
  /** The churn record of each attempt, relative to the artifact key. */
  records: string[];
  /** The worker's own CPU over the churn (process.cpuUsage), seconds; the churn runs on the worker. */
  workerCpuSeconds: number;
}

export interface ApiMetricsRequest extends ScopedRequest {
  artifactKey: ArtifactKey;
  /** Which edge of the load window this scrape is. */
  edge: 'start' | 'end';
}

export interface ApiMetricsResult {
  /** Stored scrape, relative to the artifact key. */
  file: string;
  at: number;
  lines: number;
  /** The policy engine's pods as their kubelets measured them at this edge (JSON, a PodResourceScrape), when it runs. */
  enginePods?: string;
}

export interface HttpLoadRequest extends ScopedRequest {
  artifactKey: ArtifactKey;
  /** A fixed request set by id; where the app is, the worker reads from the cluster. */
  requestSet: RequestSetId;
  requestsPerSecond: number;
  /** The load's start (epoch ms) as the workflow fixed it; a retry re-anchors at its own start, not before. */
  startAtMs: number;
  durationSeconds: number;
}

export interface HttpLoadRecord extends HttpLoadResult {
  requestSet: RequestSetId;
  /** The app's base URL the worker read from the Service (a load-balancer or cluster address, not a secret). */
  target: string;
  /**
   * How late this attempt began against the period's start, ms: what fell due before it was not offered (a late
   * start never bursts), and the report says so. Absent in records made before it was kept.
   */
  lateStartMs?: number;
  /** Where the load was sent from: the worker, or a load pod in the run's namespace (absent in older records: the worker). */
  runsOn?: 'worker' | 'pod';
  /** The load pod it ran in. */
  loadPod?: string;
}

/** A scenario's load phase (ScenarioRecord.load), when the design asked for one and the worker accepted it. */
export interface LoadPhaseRecord {
  /** Where each load ran: the churn on the worker; the HTTP load from the worker or a load pod (the worker config's). */
  churnRunsOn?: 'worker';
  httpRunsOn?: 'worker' | 'pod';
  churn?: PodChurnResult;
  http?: HttpLoadRecord;
  metrics: { start?: ApiMetricsResult; end?: ApiMetricsResult };
  /** Parts of the design this release does not run yet, said rather than skipped silently. */
  notRun: string[];
  error?: string;
}
