import type { CpuSource, NodeSeries, SamplerOverheadFigures, SamplingGap } from '../../domain/samples';
import type { Descriptive } from '../stats/descriptive';
import type { MinimumDetectable } from '../load/detectable';
import type { EffectSize, MannWhitneyResult, MeanCI, WelchResult } from '../stats/inference';

import { SCENARIOS, type ScenarioName } from '../../domain/scenarios';
import type { FirstScreen } from './firstScreen';
import type { LoadAcrossMetric, LoadRunData } from './loadTypes';

export type * from './loadTypes';

export { SCENARIOS, type ScenarioName };
export type RunStatus = 'completed' | 'completed-without-samples' | 'failed' | 'cancelled' | 'skipped';

export interface ToolRunTiming {
  tool: string;
  mode: string;
  /** The node (or host) it ran on or probed: its cost shows on that node's line. */
  target?: string;
  /** Epoch ms. */
  start: number;
  end: number;
}

export interface Finding {
  tool: string;
  severity?: string;
  status?: string;
  /** The details the report's findings section shows (all optional: older runs stored only the above). */
  mode?: string;
  target?: string;
  /** kube-bench check number (`1.2.1`) or kube-hunter vulnerability id (`KHV002`). */
  id?: string;
  title?: string;
  /** kube-bench benchmark section (`1.2`); kube-hunter category. */
  section?: string;
  remediation?: string;
  evidence?: string;
}

/**
 * What a node says about the machine under it, read over SSH at collection: the report tells from it whether
 * nodes share one host. Every field optional: older runs and unreadable files leave them out.
 */
export interface NodeIdentity {
  node: string;
  /** /etc/machine-id */
  machineId?: string;
  /** /proc/sys/kernel/random/boot_id: one per running kernel. */
  bootId?: string;
  /** uname -r */
  kernel?: string;
  /** /proc/stat is an lxcfs mount: CPU figures are the container's own, not the host's. */
  procStatLxcfs?: boolean;
  /** Online CPUs (nproc), to put the sampler's CPU seconds in the measured figure's terms. */
  cpus?: number;
}

/** Everything one repetition of one scenario produced; written by the collect activity as scenario-data.json. */
export interface ScenarioRunData {
  scenario: ScenarioName;
  repetition: number;
  nodes: NodeSeries[];
  gaps: SamplingGap[];
  timings: {
    deploySeconds?: number;
    scaleUpSeconds?: number;
    /** systemd-analyze per node; null when it could not be read. */
    bootSeconds?: Record<string, number | null>;
    toolRuns?: ToolRunTiming[];
  };
  findings?: Finding[];
  hardening?: unknown;
  /** A scenario as data: what it applied, and the attack battery after its window. */
  definition?: RunDefinition;
  attacks?: AttackRecord[];
  /** Present only when the experiment ran audits (tools.auditAfterWindow). */
  audits?: AuditRecord[];
  clusterFacts?: Record<string, unknown>;
  samplerOverhead?: ({ node: string } & SamplerOverheadFigures)[];
  nodeIdentity?: NodeIdentity[];
  status: RunStatus;
  error?: string;
  /** Steps an operator skipped, or that failed for good, in the order they happened. */
  stepsNotRun?: StepNotRun[];
  load?: LoadRunData;
}

/** One attack battery attempt as the report shows it. */
export interface AttackRecord {
  id: string;
  title: string;
  category: string;
  as: string;
  outcome: 'allowed' | 'denied' | 'not-enforceable' | 'not-tested' | 'error';
  message: string;
}

/**
 * One audit of a scenario run (tools.auditAfterWindow): a tool's findings, counted. After the window, or inside it
 * for a tool the scenario ran there anyway (security-tools), whose run stands for the audit.
 */
export interface AuditRecord {
  tool: string;
  mode: string;
  target?: string;
  inWindow: boolean;
  /** `failed`: the run failed (its error beside); `no-output`: it ran but left nothing to read. */
  outcome: 'ok' | 'no-output' | 'failed';
  /** kube-bench: pass/fail/warn/info; kube-hunter: vulnerabilities and by severity. */
  counts: Record<string, number>;
  error?: string;
}

/** A scenario's packs and tools as resolved, with the sha256 of every manifest. */
export interface RunDefinition {
  source: string;
  /** `expectedDenials`: attack ids the pack says it makes the cluster deny (its expected-denials.yaml). */
  packs: { name: string; source: string; expectedDenials?: string[] }[];
  tools: string[];
  manifests: { pack: string; file: string; document: number; kind: string; name: string; sha256: string }[];
}

export interface StepNotRun {
  step: string;
  status: 'skipped' | 'failed';
  error?: string;
}

export interface ExperimentData {
  experimentId: string;
  /** ISO 8601. */
  startedAt: string;
  scenarios: ScenarioRunData[];
}

/** One node in one run: the thesis's per-node figures, with what may have biased them beside them. */
export interface NodeRunSummary {
  node: string;
  /** CPU used (100 − %idle), percent. */
  cpu: Descriptive | null;
  /** Where cpu came from: sar (/proc/stat), or the node's cgroup where its /proc/stat was not its own. */
  cpuSource: CpuSource;
  /** %memused. */
  memory: Descriptive | null;
  firstSample: string | null;
  lastSample: string | null;
  /** Median spacing of the CPU (else memory) samples. */
  sampleIntervalSeconds: number | null;
  gaps: { count: number; seconds: number; reasons: string[] };
  samplerOverhead: SamplerOverheadSummary | null;
  bootSeconds: number | null;
}

/** The sampler's own cost; the peak is null with the reason when it was not measured (never shown as 0). */
export interface SamplerOverheadSummary {
  cpuSeconds: number;
  maxRssKiB: number | null;
  maxRssNotMeasured: string | null;
  /** Kubernetes node access: the access pods' CPU seconds (absent over SSH). */
  accessPodCpuSeconds?: number;
  /** Kubernetes node access: why some access pod's CPU is missing. */
  accessPodCostUnavailable?: string;
  /** Nodes that had no sysstat and sampled with the access image's. */
  sysstatUploadedOn?: string[];
}

export interface RunSummary {
  scenario: ScenarioName;
  repetition: number;
  status: RunStatus;
  error: string | null;
  nodes: NodeRunSummary[];
  /** All nodes' samples pooled, and the plain mean of the node means (the thesis's cluster figure). */
  cluster: {
    cpu: Descriptive | null;
    memory: Descriptive | null;
    cpuMeanOfNodeMeans: number | null;
    memoryMeanOfNodeMeans: number | null;
  };
  deploySeconds: number | null;
  scaleUpSeconds: number | null;
  /** Mean over the nodes whose boot time was read. */
  bootSecondsMean: number | null;
  toolRuns: { tool: string; mode: string; start: string; end: string; seconds: number }[];
  stepsNotRun: StepNotRun[];
  findings: {
    total: number;
    byTool: Record<string, number>;
    bySeverity: Record<string, number>;
    byStatus: Record<string, number>;
    byToolAndSeverity: { tool: string; severity: string; count: number }[];
    /** Every finding with what the report shows of it (check, title, remediation, evidence). */
    details: Finding[];
  };
  gaps: { count: number; seconds: number };
  samplerOverhead: SamplerOverheadSummary | null;
  hardening: unknown;
  definition: RunDefinition | null;
  attacks: AttackRecord[];
  /** null: audits were off. */
  audits: AuditRecord[] | null;
  clusterFacts: Record<string, unknown> | null;
  /** What each node said about its machine (empty for older runs). */
  nodeIdentity: NodeIdentity[];
  /** First and last sample of the run, epoch ms (the charts' time origin). */
  window: { start: number; end: number } | null;
  load: LoadRunData | null;
}

/** A scenario compared with the baseline over repetitions (one value per completed repetition on each side). */
export interface Comparison {
  baselineN: number;
  scenarioN: number;
  difference: number | null;
  welch: WelchResult | null;
  mannWhitney: MannWhitneyResult | null;
  effect: EffectSize | null;
  /** The smallest true difference this many repetitions with this spread detect at 80 % power (Welch, two-sided α 0.05). */
  detectable: MinimumDetectable;
}

export interface AcrossRepetitions {
  values: number[];
  ci: MeanCI;
  vsBaseline: Comparison | null;
}

export const ACROSS_METRICS = [
  'cpuMean',
  'memoryMean',
  'cpuOutliers',
  'memoryOutliers',
  'deploySeconds',
  'scaleUpSeconds',
  'bootSeconds',
  'findings',
] as const;
export type AcrossMetric = (typeof ACROSS_METRICS)[number];

export interface ScenarioSummary {
  scenario: ScenarioName;
  repetitions: number;
  completed: number;
  runs: RunSummary[];
  /** Over completed repetitions; cluster figures (cpuMean = mean of node means, outliers summed over nodes). */
  acrossRepetitions: Record<AcrossMetric, AcrossRepetitions>;
  /** The load phase's latencies and admission costs over repetitions; present when a run of the experiment had one. */
  load?: LoadAcrossMetric[];
}

export interface ReportModel {
  schemaVersion: 1;
  experimentId: string;
  startedAt: string;
  generatedAt: string;
  partial: boolean;
  scenarios: ScenarioSummary[];
  /** Things a reader must know to judge the numbers (few repetitions, gaps, failed runs). */
  notes: string[];
  /** Sentences, trust box and this run's set-up: what the report opens with. */
  firstScreen: FirstScreen;
  /** The samples themselves, for charts and samples.csv; not part of summary.json. */
  series: { scenario: ScenarioName; repetition: number; status: RunStatus; nodes: NodeSeries[]; toolRuns: ToolRunTiming[] }[];
}
