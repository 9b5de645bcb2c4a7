/** The load phase's figures in the report model (issue 27): one run's, and each metric's over repetitions. */
import type { PodPhase } from '../load/latency';
import type { AcrossRepetitions } from './runData';

/** A run's load phase: the churn's rate and latencies (ms), and the API server's admission figures over the load. */
export interface LoadRunData {
  churnRunsOn?: 'worker';
  offeredPerMinute?: number;
  achievedPerMinute?: number;
  /** "offered rate not achieved: X of Y per minute". */
  rateMessage?: string;
  createMs?: LoadQuantiles;
  deleteMs?: LoadQuantiles;
  /** Pod startup to Ready, from creation (the API's times, to the second). */
  readyMs?: LoadQuantiles;
  /** Every startup phase from creation, as kube-burner's podLatency (absent in older records: readyMs only). */
  startupMs?: Partial<Record<PodPhase, LoadQuantiles>>;
  /** Churn pods whose startup the record holds, Ready or deleted first: a phase's n below it is said in the report. */
  startupPods?: number;
  podSecurity?: { admissions: number; meanMs: number | null };
  /** The HTTP load on the app, sent from the worker: its rate, latency of expected answers (ms) and errors. */
  http?: HttpLoadData;
  /** The API server's own histograms over the load window (absent in older records). */
  admission?: AdmissionFigures;
  /** The policy engine's own pods over the load window, as their nodes' kubelets measured them (a scenario with one). */
  engine?: EnginePodsData;
  notRun: string[];
  error?: string;
}
export interface HttpLoadData {
  /** Where the load was sent from: the worker, or a load pod in the run's namespace. */
  runsOn: 'worker' | 'pod';
  requestSet: string;
  offeredPerSecond: number;
  achievedPerSecond: number;
  latencyMs: LoadQuantiles;
  /** Errors (network, timeouts, unexpected statuses, requests not sent) over requests due. */
  errorRate: number;
  errors: number;
  due: number;
  /** The generator's own CPU over the load (the worker process's, or the load pod's attack's), seconds. */
  generatorCpuSeconds: number;
  errorSamples: string[];
  /** How late the load began against its period's start (what fell due before was not offered). */
  lateStartSeconds?: number;
}
/** What the policy engine's pods cost their nodes over the load window (the kubelets' /metrics/resource). */
export interface EnginePodsData {
  namespace: string;
  pods: EnginePodCost[];
  /** Why some or all of it could not be read. */
  error?: string;
}
export interface EnginePodCost {
  pod: string;
  node: string;
  /** CPU over the window, in cores (0.01 = 1 % of one core). */
  cpuCores: number;
  /** Working set, mean of the window's two edges. */
  memoryMiB: number;
}
export interface LoadQuantiles {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One histogram's difference over the window, in milliseconds (quantiles estimated from the buckets). */
export interface AdmissionFigure {
  name: string;
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}
export interface AdmissionFigures {
  /** apiserver_admission_controller_admission_duration_seconds per controller name. */
  controllers: AdmissionFigure[];
  /** apiserver_admission_webhook_admission_duration_seconds per webhook name. */
  webhooks: AdmissionFigure[];
  /** apiserver_request_duration_seconds for pod creates, as the API server timed them. */
  podCreates: AdmissionFigure | null;
}

export type LoadMetricGroup = 'api' | 'startup' | 'server' | 'http' | 'controller' | 'webhook';

/** One load metric over a scenario's completed repetitions (one value each), against the baseline's. */
export interface LoadAcrossMetric {
  /** The same in every scenario: `create.p99`, `startup.ready.p50`, `controller.PodSecurity`. */
  key: string;
  group: LoadMetricGroup;
  /** What the report calls it: "pod create p99". */
  label: string;
  /** Always milliseconds. */
  across: AcrossRepetitions;
  /** Admission figures: the mean number of admissions per repetition. */
  countMean?: number;
}
