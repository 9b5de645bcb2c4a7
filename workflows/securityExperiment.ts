/**
 * The experiment: resolve and validate the input, plan repetitions (seeded random scenario order),
 * run one `scenarioRun` child per scenario and repetition (in turn on a shared cluster, or in
 * parallel on clusters of their own), then write the comparison report, partial if need be.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExperimentInput } from '../src/config/experiment';
import type { HardenlabActivities } from '../src/domain/activities';
import type { ProvisionResult, ResolvedExperiment } from '../src/domain/contracts';
import { runIdFor, scenarioKey, scenarioWorkflowId } from '../src/domain/naming';
import { planRepetitions, seedFromId } from '../src/domain/plan';
import { experimentSearchAttributes, scenarioLabel, scenarioSearchAttributes } from '../src/domain/searchAttributes';
import type { ExperimentProgress, ExperimentResult, ScenarioSummary } from '../src/domain/progress';
import type { ScenarioDefinition } from '../src/domain/scenarios';
import { stepOptions } from './activityOptions';
import { experimentProgressQuery } from './definitions';
import { experimentDetails } from './details';
import { describeFailure, failureType, rootCause } from './failures';
import { scenarioRun } from './scenarioRun';
import { PATCHES } from './patches';

type Act = 'resolveExperiment' | 'provisionCluster' | 'teardownCluster' | 'buildReport';

/**
 * Activities named by what they do (the Temporal UI lists these ids) for runs started since the patch;
 * runs an earlier release started keep their sequence-number ids. The summary is what the UI's timeline
 * shows (user metadata: replay ignores it, so every run gets one).
 */
function experimentActivities(namedIds: boolean): Pick<HardenlabActivities, Act> {
  const proxy = <K extends Act>(options: (typeof stepOptions)[keyof typeof stepOptions], activityId: string, summary: string) =>
    proxyActivities<Pick<HardenlabActivities, K>>(namedIds ? { ...options, activityId, summary } : { ...options, summary });
  // Proxies have no own keys to spread: take each function by name.
  return {
    resolveExperiment: proxy<'resolveExperiment'>(stepOptions.resolve, 'resolve-input', 'resolve the input against the worker config')
      .resolveExperiment,
    provisionCluster: proxy<'provisionCluster'>(stepOptions.provision, 'provision-shared-cluster', 'provision the shared cluster')
      .provisionCluster,
    teardownCluster: proxy<'teardownCluster'>(stepOptions.reset, 'teardown-shared-cluster', 'tear down the shared cluster').teardownCluster,
    buildReport: proxy<'buildReport'>(stepOptions.report, 'build-report', 'build the report').buildReport,
  };
}

export async function securityExperiment(input: ExperimentInput = {}): Promise<ExperimentResult> {
  const { workflowId } = workflowInfo();
  // Decided once, before the first command, so a run keeps one id scheme for its whole life.
  const { resolveExperiment, provisionCluster, teardownCluster, buildReport } = experimentActivities(patched(PATCHES.namedActivityIds));
  const cleanupBesideError = patched(PATCHES.cleanupFailuresBesideError);
  const reportReadsPlan = patched(PATCHES.reportReadsPlan);
  const progress: ExperimentProgress = { experimentId: workflowId, phase: 'resolving', plan: [], scenarios: [] };
  const refresh = () => setCurrentDetails(experimentDetails(progress));
  setHandler(experimentProgressQuery, () => ({ ...progress, scenarios: progress.scenarios.map((s) => ({ ...s })) }));
  refresh();

  const resolved = await resolveOrFail(resolveExperiment, input ?? {}, workflowId);
  const { config } = resolved;
  // Only where the namespace knows them (the worker config says so): a server rejects unknown attributes.
  if (resolved.searchAttributes) upsertSearchAttributes(experimentSearchAttributes(resolved.experimentId));
  const seed = config.seed ?? seedFromId(workflowId);
  progress.seed = seed;
  progress.plan = planRepetitions(config.scenarios, config.repetitions, seed);
  progress.scenarios = progress.plan.flatMap(({ repetition, order }) =>
    order.map((scenario): ScenarioSummary => ({
      scenario,
      repetition,
      workflowId: scenarioWorkflowId(workflowId, scenario, repetition),
      artifactKey: scenarioKey(resolved.artifactKey, scenario, repetition),
      status: 'pending',
    })),
  );

  let shared: ProvisionResult | undefined;
  let cancelled: unknown;
  try {
    if (config.isolation === 'shared' && config.cluster.provider === 'linode') {
      // One cluster for all scenarios: the parent creates it and tears it down at the end.
      progress.phase = 'provisioning';
      refresh();
      shared = await provisionCluster({ runId: runIdFor(workflowId), cluster: config.cluster, nodeMapPath: config.nodeMapPath });
    }
    progress.phase = 'running';
    refresh();
    const runOne = async (summary: ScenarioSummary): Promise<void> => {
      summary.status = 'running';
      refresh();
      try {
        const record = await executeChild(scenarioRun, {
          workflowId: summary.workflowId,
          args: [
            {
              experimentId: resolved.experimentId,
              scenario: summary.scenario,
              repetition: summary.repetition,
              config,
              artifactKey: summary.artifactKey,
              cluster: shared?.cluster,
              facts: shared?.facts,
              ...definitionOf(resolved, summary.scenario),
            },
          ],
          // Closing the parent asks children to cancel, so their reset still runs.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: scenarioLabel(summary.scenario, summary.repetition),
          typedSearchAttributes: resolved.searchAttributes
            ? scenarioSearchAttributes(resolved.experimentId, summary.scenario, summary.repetition)
            : undefined,
        });
        summary.status = record.status;
      } catch (err) {
        summary.status = isCancellation(err) ? 'cancelled' : failureType(err) === 'ScenarioAborted' ? 'aborted' : 'failed';
        summary.error = describeFailure(err);
        if (isCancellation(err)) throw err;
      } finally {
        refresh();
      }
    };
    for (const { repetition } of progress.plan) {
      const runs = progress.scenarios.filter((s) => s.repetition === repetition);
      if (config.isolation === 'per-scenario') await Promise.all(runs.map(runOne));
      else for (const summary of runs) await runOne(summary);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = err;
  }

  const result: ExperimentResult = {
    experimentId: resolved.experimentId,
    seed,
    plan: progress.plan,
    scenarios: progress.scenarios,
    partial: false,
  };
  await CancellationScope.nonCancellable(async () => {
    if (shared?.created) {
      const teardown = teardownCluster({ runId: runIdFor(workflowId), cluster: shared.cluster });
      // A cluster left behind is reported beside the results; the report is still built.
      const name = shared.cluster.providerClusterId ?? 'shared cluster';
      if (cleanupBesideError) await teardown.catch((err) => (result.cleanupErrors = [`teardown of ${name}: ${describeFailure(err)}`]));
      else await teardown;
    }
    progress.phase = 'reporting';
    refresh();
    result.partial = progress.scenarios.some((s) => s.status !== 'completed');
    try {
      const { experimentId, artifactKey } = resolved;
      const plan = reportReadsPlan ? { plan: progress.plan } : {};
      const report = await buildReport({ experimentId, artifactKey, partial: result.partial, ...plan });
      result.reportDir = report.reportDir;
      result.htmlPath = report.htmlPath;
    } catch (err) {
      result.reportError = describeFailure(err);
    }
    progress.phase = 'finished';
    refresh();
  });
  if (cancelled) throw cancelled;
  return result;
}

/** The scenario's resolved definition for its child (none when the resolve activity of an earlier release ran). */
function definitionOf(resolved: ResolvedExperiment, scenario: string): { definition?: ScenarioDefinition; definitionsKey?: string } {
  const definition = resolved.scenarios?.find((d) => d.name === scenario);
  return definition ? { definition, definitionsKey: resolved.artifactKey } : {};
}

/** Invalid input fails the workflow at once, as `InvalidInput`, naming every bad field. */
async function resolveOrFail(
  resolveExperiment: HardenlabActivities['resolveExperiment'],
  input: ExperimentInput,
  workflowId: string,
): Promise<ResolvedExperiment> {
  try {
    return await resolveExperiment({ input, workflowId });
  } catch (err) {
    const cause = rootCause(err);
    if (cause instanceof ApplicationFailure && cause.type === 'InvalidInput') {
      throw ApplicationFailure.create({
        type: 'InvalidInput',
        message: cause.message,
        details: cause.details ? [...cause.details] : undefined,
        nonRetryable: true,
      });
    }
    throw err;
  }
}
