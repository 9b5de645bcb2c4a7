/**
 * The contracts between workflows and activities: every activity's request and result.
 * Workflows import these types only; activities implement them. Everything here travels through
 * Temporal history, so it holds paths and references, never secrets, and never bulk data (samples
 * and tool output stay in the artifact store; results carry their keys and small summaries).
 */
import type { ClusterSpec, ExperimentConfig, HardeningSpec, ScenarioName, ToolsSpec, WorkloadSpec } from '../config/experiment';
import type { LoadPhaseRecord } from './loadContracts';
import type { RepetitionPlan } from './plan';
import type { SamplerOverheadFigures, SamplingGap } from './samples';
import type { ScenarioDefinition, ScenarioTool } from './scenarios';

/** A folder in the artifact store, relative to the worker's data folder (`hardenlabHome()`), so that workers on
 * other hosts with the same shared volume resolve it alike. */
export type ArtifactKey = string;

/** How activities reach a cluster: references only (the kubeconfig is read inside activities). */
export interface ClusterRef {
  provider: ClusterSpec['provider'];
  kubeconfigPath: string;
  context?: string;
  /** The node map for SSH access to this cluster's nodes, when known. */
  nodeMapPath?: string;
  /** Provider's own id of a cluster this run created (Linode cluster id). */
  providerClusterId?: string;
  /** Where teardown finds the provider API and its token: a URL, an env var name, a file path; never the token. */
  providerApi?: { apiUrl?: string; tokenEnv?: string; tokenFile?: string };
}

export interface ClusterFacts {
  provider: ClusterSpec['provider'];
  kubernetesVersion: string;
  nodeCount: number;
  nodes: { name: string; instanceType?: string; kubeletVersion?: string; osImage?: string; internalIP?: string }[];
  cni?: string;
  /** Set when the node map was derived from the cluster this run created (cluster.linode.ssh): where each node was reached. */
  sampledHosts?: { node: string; host: string }[];
}

// ---------- config ----------
export interface ResolveExperimentRequest {
  input: unknown;
  workflowId: string;
}
export interface ResolvedExperiment {
  config: ExperimentConfig;
  experimentId: string;
  /** Where the experiment's artifacts and report go. */
  artifactKey: ArtifactKey;
  /** Where each value came from, for the report: field path → 'default' | 'config-file' | 'input'. */
  configFile?: string;
  /** The worker's namespace knows hardenlab's search attributes (src/domain/searchAttributes.ts); absent in earlier releases' runs. */
  searchAttributes?: boolean;
  /** Each scenario as the worker resolved it (packs, tools, manifest digests); contents in the artifacts' scenario-definitions.json. */
  scenarios?: ScenarioDefinition[];
}

// ---------- cluster (provision, deploy, harden, reset) ----------
export interface ProvisionRequest {
  runId: string;
  cluster: ClusterSpec;
  nodeMapPath?: string;
}
export interface ProvisionResult {
  cluster: ClusterRef;
  /** True when this run created the cluster (and so must tear it down). */
  created: boolean;
  facts: ClusterFacts;
}
export interface TeardownRequest {
  runId: string;
  cluster: ClusterRef;
}

/** Labels every object the run creates carries: `app.kubernetes.io/managed-by=hardenlab`, `hardenlab.io/run=<runId>`. */
export interface ScopedRequest {
  runId: string;
  cluster: ClusterRef;
  namespace: string;
}
export interface DeployRequest extends ScopedRequest {
  scenario: ScenarioName;
  workload: WorkloadSpec;
  /** Use the hardened image and securityContext (best-practices). */
  hardened: boolean;
}
export interface DeployResult {
  image: string;
  /** Apply until all replicas available, from a watch. */
  rolloutSeconds: number;
  scaleUpSeconds: number;
  replicas: number;
  service: { type: string; address: string | null; pending: boolean; httpStatus?: number };
  events: { time: string; reason: string; message: string; object: string }[];
}
export interface HardenRequest extends ScopedRequest {
  hardening: HardeningSpec;
}
export interface HardenResult {
  podSecurity: { enforce: string; audit: string; warn: string };
  rbac: { role: string; binding: string; user: string };
  networkPolicies: string[];
  evidence: { check: string; passed: boolean; detail: string }[];
  notes: string[];
}
/** The harden step of a scenario as data: its packs' manifests, from the experiment's recorded definitions. */
export interface ApplyPacksRequest extends ScopedRequest {
  scenario: ScenarioDefinition;
  /** The experiment's artifact folder holding scenario-definitions.json. */
  definitionsKey: ArtifactKey;
  hardening: HardeningSpec;
}
export interface PacksResult {
  packs: { name: string; source: string; objects: { kind: string; name: string; namespace?: string; sha256: string }[] }[];
  podSecurity?: { enforce: string; audit: string; warn: string };
  evidence: { check: string; passed: boolean; detail: string }[];
  notes: string[];
}

/** The attack battery: what an attacker or a careless user tries after the window; nothing is created. */
export interface AttackBatteryRequest extends ScopedRequest {
  hardening: HardeningSpec;
}
export type AttackOutcome = 'allowed' | 'denied' | 'not-enforceable' | 'not-tested' | 'error';
export interface AttackAttempt {
  id: string;
  title: string;
  category: 'pod-security' | 'rbac' | 'network';
  /** Who tried: the worker's own identity, or the test user by impersonation. */
  as: string;
  outcome: AttackOutcome;
  /** The API server's message (denials), or why it could not be tried. */
  message: string;
}
export interface AttackBatteryResult {
  attempts: AttackAttempt[];
}

export interface ResetResult {
  removed: { kind: string; name: string; namespace?: string }[];
  leftovers: { kind: string; name: string; namespace?: string }[];
}

// ---------- nodes (sampling over SSH) ----------
export interface SamplingRequest {
  runId: string;
  nodeMapPath: string;
  intervalSeconds: number;
  /** Used to size sadc's sample count so it ends by itself even if never stopped. */
  durationSeconds: number;
}
export interface SamplingStarted {
  /** `sysstatFrom: uploaded`: the node had no sysstat and sampled with the access image's (Kubernetes node access). */
  nodes: { node: string; pid: number; sysstatVersion: string; sysstatFrom?: 'uploaded'; alreadyRunning: boolean }[];
  startedAt: number;
}
export interface SamplingHealth {
  /** `error`: the node could not be checked (SSH down); the scenario records a gap and the window goes on. */
  nodes: { node: string; alive: boolean; restarted: boolean; error?: string }[];
  gaps: SamplingGap[];
}
export interface CollectRequest {
  runId: string;
  nodeMapPath: string;
  /** Raw sa files, sadf JSON and parsed series are written under this key. */
  artifactKey: ArtifactKey;
}
export interface CollectResult {
  nodes: { node: string; cpuSamples: number; memorySamples: number; rawFile: string }[];
  samplerOverhead: ({ node: string } & SamplerOverheadFigures)[];
}
export interface BootTimeRequest {
  runId: string;
  nodeMapPath: string;
  reboot: boolean;
  cluster?: ClusterRef;
}
export interface BootTimeResult {
  nodes: {
    node: string;
    totalSeconds: number | null;
    phases?: Record<string, number>;
    unavailableReason?: string;
    /** After a reboot: seconds until SSH answered with a new boot id, and until the Kubernetes node was Ready. */
    sshReturnSeconds?: number;
    timeToReadySeconds?: number;
  }[];
}

// ---------- security tools ----------
export interface ToolRunRequest {
  runId: string;
  cluster: ClusterRef;
  namespace: string;
  tools: ToolsSpec;
  artifactKey: ArtifactKey;
}
export interface ToolRunSummary {
  tool: 'kube-bench' | 'kube-hunter' | 'trivy';
  mode: string;
  target: string;
  version?: string;
  start: number;
  end: number;
  /** `no-output` when the tool ran but produced nothing to read (e.g. a KWOK-completed Job). */
  outcome: 'ok' | 'no-output';
  counts: Record<string, number>;
  /** Findings JSON in the artifact store. */
  findingsFile?: string;
  warnings: string[];
}

/** The security tools after the window (tools.auditAfterWindow): what an auditor finds, outside the measured time. */
export interface AuditResult {
  /** Each after-window run, one per tool and mode the tools config enables; findings under `<artifactKey>/audit/tools/`. */
  runs: ToolRunSummary[];
  /** Runs that failed: recorded beside the results, and reset follows. */
  failures: { tool: ToolRunSummary['tool']; mode: string; error: string }[];
  /** Tools the scenario ran inside its window: those runs stand for the audit and are not repeated. */
  ranInWindow: ScenarioTool[];
}

// ---------- scenario record and report ----------
export type StepName =
  | 'provision'
  | 'deploy'
  | 'harden'
  | 'start-sampling'
  | 'run-tools'
  | 'sampling-window'
  | 'collect'
  | 'boot-time'
  | 'attack-battery'
  | 'audit'
  | 'reset'
  | 'teardown';

/** `completed-without-samples`: every step ran or was skipped, but no samples were collected. */
export type ScenarioStatus = 'completed' | 'completed-without-samples' | 'failed' | 'cancelled' | 'aborted';

export interface StepRecord {
  step: StepName;
  status: 'ok' | 'skipped' | 'failed';
  attempts: number;
  start: number;
  end: number;
  error?: string;
}

/** Everything a scenario run learned, small enough for history; samples stay on disk under artifactKey. */
export interface ScenarioRecord {
  scenario: ScenarioName;
  repetition: number;
  runId: string;
  workflowId: string;
  namespace: string;
  artifactKey: ArtifactKey;
  status: ScenarioStatus;
  error?: string;
  steps: StepRecord[];
  facts?: ClusterFacts;
  deploy?: DeployResult;
  harden?: HardenResult;
  /** A scenario as data: its definition, its packs as applied, and the attack battery's outcome. */
  definition?: ScenarioDefinition;
  packs?: PacksResult;
  attacks?: AttackBatteryResult;
  /** Tool runs inside the window (their time is shaded on the CPU charts). */
  tools?: ToolRunSummary[];
  /** With tools.auditAfterWindow: the tools after the window, apart from `tools`. */
  audits?: AuditResult;
  sampling?: {
    startedAt: number;
    endedAt?: number;
    intervalSeconds: number;
    gaps: SamplingGap[];
    /** Health checks in the window, counted (not one step record each, which would grow with the window). */
    healthChecks?: { count: number; failed: number; lastError?: string };
  };
  /** Cleanup steps (stop sampling, reset, teardown, record) that failed, beside the scenario's own error. */
  cleanupErrors?: string[];
  collect?: CollectResult;
  bootTime?: BootTimeResult;
  reset?: ResetResult;
  load?: LoadPhaseRecord;
}

export interface BuildReportRequest {
  experimentId: string;
  artifactKey: ArtifactKey;
  partial: boolean;
  /** The scenario runs the report reads (`<scenario>/<repetition>`); runs of earlier releases send none and the folder is scanned. */
  plan?: RepetitionPlan[];
}
export interface BuildReportResult {
  reportDir: string;
  htmlPath: string;
  summary: { scenarios: number; completed: number; partial: boolean };
}
