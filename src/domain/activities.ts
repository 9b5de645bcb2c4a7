/**
 * Every activity the workflows call, by name and signature. Workflows import this type only;
 * `activities/index.ts` builds the implementation and checks it against this interface.
 */
import type {
  ApplyPacksRequest,
  AttackBatteryRequest,
  AttackBatteryResult,
  BootTimeRequest,
  BootTimeResult,
  BuildReportRequest,
  BuildReportResult,
  CollectRequest,
  CollectResult,
  DeployRequest,
  DeployResult,
  HardenRequest,
  HardenResult,
  PacksResult,
  ProvisionRequest,
  ProvisionResult,
  ResetResult,
  ResolveExperimentRequest,
  ResolvedExperiment,
  SamplingHealth,
  SamplingRequest,
  SamplingStarted,
  ScenarioRecord,
  ScopedRequest,
  TeardownRequest,
  ToolRunRequest,
  ToolRunSummary,
} from './contracts';
import type {
  ApiMetricsRequest,
  ApiMetricsResult,
  HttpLoadRecord,
  HttpLoadRequest,
  PodChurnRequest,
  PodChurnResult,
} from './loadContracts';
import type { TrivyMode } from './scenarios';

export interface NodeRunRequest {
  runId: string;
  nodeMapPath: string;
}

export type KubeHunterMode = 'remote' | 'interface' | 'pod';
export type { TrivyMode };

export interface HardenlabActivities {
  resolveExperiment(req: ResolveExperimentRequest): Promise<ResolvedExperiment>;

  provisionCluster(req: ProvisionRequest): Promise<ProvisionResult>;
  teardownCluster(req: TeardownRequest): Promise<unknown>;
  deployWorkload(req: DeployRequest): Promise<DeployResult>;
  hardenNamespace(req: HardenRequest): Promise<HardenResult>;
  resetCluster(req: ScopedRequest): Promise<ResetResult>;
  /** A scenario as data: applies its packs (the harden step). */
  applyPacks(req: ApplyPacksRequest): Promise<PacksResult>;
  /** After the window, before reset: what an attacker tries, each decided by the cluster. */
  runAttackBattery(req: AttackBatteryRequest): Promise<AttackBatteryResult>;

  startSampling(req: SamplingRequest): Promise<SamplingStarted>;
  checkSampling(req: NodeRunRequest): Promise<SamplingHealth>;
  stopSampling(req: NodeRunRequest): Promise<unknown>;
  collectSamples(req: CollectRequest): Promise<CollectResult>;
  measureBootTime(req: BootTimeRequest): Promise<BootTimeResult>;
  cleanupNodes(req: NodeRunRequest): Promise<unknown>;

  runKubeBench(req: ToolRunRequest): Promise<ToolRunSummary>;
  runKubeHunter(req: ToolRunRequest & { mode: KubeHunterMode }): Promise<ToolRunSummary>;
  runTrivy(req: ToolRunRequest & { mode: TrivyMode }): Promise<ToolRunSummary>;

  /** The load phase (issue 27): pod churn on the worker, and the API server's /metrics at the load's edges. */
  runPodChurn(req: PodChurnRequest): Promise<PodChurnResult>;
  scrapeApiMetrics(req: ApiMetricsRequest): Promise<ApiMetricsResult>;
  /** The HTTP load, from the worker to the app's Service (its address read from the cluster). */
  sendHttpLoad(req: HttpLoadRequest): Promise<HttpLoadRecord>;

  /** Writes the scenario's record (and its report input) next to its artifacts. */
  recordScenario(record: ScenarioRecord): Promise<void>;
  buildReport(req: BuildReportRequest): Promise<BuildReportResult>;
}
