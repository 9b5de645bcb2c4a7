/**
 * One scenario of one repetition: provision → deploy → harden → start sampling → run tools →
 * wait out the window (durable timer with periodic health checks) → collect → boot time → attack
 * battery and audits (workflows/afterWindow.ts), then reset (always: after success, failure or
 * cancellation) and teardown of a cluster it created.
 * Thin orchestration: every piece of real work is an activity.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExperimentConfig } from '../src/config/experiment';
import type { ArtifactKey, ClusterFacts, ClusterRef, ScenarioRecord } from '../src/domain/contracts';
import { namespaceFor, runIdFor } from '../src/domain/naming';
import type { ScenarioProgress } from '../src/domain/progress';
import { legacyPreset, type ScenarioDefinition, type ScenarioName, type ScenarioTool } from '../src/domain/scenarios';
import { scenarioLabel } from '../src/domain/searchAttributes';
import { runAttackBattery, runAudits } from './afterWindow';
import { startLoadPhase, type RunningLoadPhase } from './loadPhase';
import { stepOptions } from './activityOptions';
import { scenarioProgressQuery } from './definitions';
import { describeFailure } from './failures';
import { OperatorGate } from './operatorGate';
import { refuseUnlessStartedByExperiment } from './parentCheck';
import { scenarioDetails } from './details';
import { snapshot, windowProgress } from './progressSnapshot';
import { activityProxies } from './proxies';
import { waitOutWindow } from './samplingWindow';
import { createStepRunner, ScenarioAborted } from './stepRunner';
import { runTools } from './toolRuns';
import { PATCHES } from './patches';

export interface ScenarioRunInput {
  experimentId: string;
  scenario: ScenarioName;
  repetition: number;
  config: ExperimentConfig;
  artifactKey: ArtifactKey;
  /** Given when the parent owns a shared cluster; otherwise this run provisions. */
  cluster?: ClusterRef;
  facts?: ClusterFacts;
  /** The scenario as the worker resolved it (absent in runs an earlier release started). */
  definition?: ScenarioDefinition;
  /** The experiment's artifact folder, which holds the definitions' manifests. */
  definitionsKey?: ArtifactKey;
}

export async function scenarioRun(input: ScenarioRunInput): Promise<ScenarioRecord> {
  const { workflowId } = workflowInfo();
  // First: environment fields and artifact keys come only from an experiment the worker resolved.
  if (patched(PATCHES.scenarioRunNeedsItsExperiment)) refuseUnlessStartedByExperiment(input);
  const { config, scenario, repetition } = input;
  // Decided once, before the first command: a run keeps the behaviour of the release that started it.
  const acts = activityProxies(patched(PATCHES.namedActivityIds));
  const healthRecordsGaps = patched(PATCHES.healthChecksRecordGaps);
  const stopWhatStartAttempted = patched(PATCHES.stopWhatStartAttempted);
  const cleanupBesideError = patched(PATCHES.cleanupFailuresBesideError);
  // Runs started before scenarios were data carry no definition and keep the thesis's hard-coded steps.
  const definition = input.definition && input.definitionsKey && patched(PATCHES.scenariosAsData) ? input.definition : undefined;
  // Asked only when the input turns audits on: runs without the switch record no marker and command as before.
  const audits = config.tools.auditAfterWindow === true && patched(PATCHES.auditsAfterWindow);
  const runId = runIdFor(workflowId);
  const namespace = namespaceFor(scenario, repetition, workflowId);
  const record: ScenarioRecord = {
    scenario, repetition, runId, workflowId, namespace, artifactKey: input.artifactKey, status: 'completed', steps: [], facts: input.facts,
    ...(definition ? { definition } : {}),
  };
  const progress: ScenarioProgress = {
    scenario, repetition, status: 'running', step: 'starting', attempt: 0, decisions: [], steps: record.steps,
  };
  const refreshDetails = () => setCurrentDetails(scenarioDetails(progress, Date.now()));
  setHandler(scenarioProgressQuery, () => snapshot(progress));
  const gate = new OperatorGate(progress, config.operatorTimeoutSeconds * 1000, refreshDetails);

  const step = createStepRunner(progress, record, gate, refreshDetails);

  /** A cleanup step that fails is recorded beside the scenario's own error, never instead of it. */
  const cleanupErrors: string[] = [];
  const noteCleanupFailure = (what: string) => (err: unknown) => {
    cleanupErrors.push(`${what}: ${describeFailure(err)}`);
    return undefined;
  };

  let cluster = input.cluster;
  let ownsCluster = false;
  let samplingAttempted = false;
  let samplingStarted = false;
  let collected = false;
  let failure: unknown;
  let loadPhase: RunningLoadPhase | undefined;
  const nodeMapPath = () => cluster?.nodeMapPath ?? config.nodeMapPath;

  try {
    if (!cluster) {
      const provisioned = await step('provision', () =>
        acts<'provisionCluster'>(stepOptions.provision, 'provision', `provision a ${config.cluster.provider} cluster`).provisionCluster({
          runId,
          cluster: config.cluster,
          nodeMapPath: config.nodeMapPath,
        }),
      );
      if (!provisioned) throw new ScenarioAborted('provision', 'skipped: there is no cluster to run on');
      cluster = provisioned.cluster;
      ownsCluster = provisioned.created;
      record.facts = provisioned.facts;
    }
    const scoped = { runId, cluster, namespace };
    const legacy = definition ? undefined : legacyPreset(scenario, config.hardening.inSecurityTools);
    const hardened = definition ? definition.hardenedWorkload : legacy!.hardenedWorkload;
    record.deploy = await step('deploy', () =>
      acts<'deployWorkload'>(stepOptions.cluster, 'deploy', `deploy the workload into ${namespace}`).deployWorkload({
        ...scoped,
        scenario,
        workload: config.workload,
        hardened,
      }),
    );
    if (definition) {
      const req = { ...scoped, scenario: definition, definitionsKey: input.definitionsKey!, hardening: config.hardening };
      const packs = `apply ${definition.packs.join(', ')} to ${namespace}`;
      if (definition.packs.length > 0)
        record.packs = await step('harden', () => acts<'applyPacks'>(stepOptions.cluster, 'harden', packs).applyPacks(req));
    } else if (hardened)
      record.harden = await step('harden', () =>
        acts<'hardenNamespace'>(stepOptions.cluster, 'harden', `harden ${namespace}`).hardenNamespace({
          ...scoped,
          hardening: config.hardening,
        }),
      );

    const nodes = nodeMapPath();
    const { durationSeconds, intervalSeconds, healthCheckSeconds } = config.window;
    let sampledNodes: string[] = [];
    if (nodes) {
      // A start that fails part-way may have started samplers on some nodes: cleanup stops them all.
      samplingAttempted = true;
      const started = await step('start-sampling', () =>
        acts<'startSampling'>(
          stepOptions.startSampling,
          'start-sampling',
          `start sadc on every node, every ${intervalSeconds} s`,
        ).startSampling({ runId, nodeMapPath: nodes, intervalSeconds, durationSeconds }),
      );
      samplingStarted = started !== undefined;
      sampledNodes = started?.nodes.map((n) => n.node) ?? [];
      // The window is measured in workflow time, which survives worker restarts and time skipping.
      record.sampling = { startedAt: Date.now(), intervalSeconds, gaps: [] };
    }
    const windowStart = record.sampling?.startedAt ?? Date.now();
    const windowEnd = windowStart + durationSeconds * 1000;
    progress.window = windowProgress(windowStart, windowEnd, Date.now());
    // Asked only when the design has a load (refused at start before the worker opts in): older runs never mark it.
    if (config.load && patched(PATCHES.loadPhase)) {
      const { artifactKey } = input;
      const window = { windowStart, windowSeconds: durationSeconds };
      loadPhase = startLoadPhase(acts, { scoped, artifactKey, workload: config.workload, hardened, load: config.load, ...window });
    }

    // Tools run inside the window so their own CPU cost shows on the charts.
    // kube-bench's node mode runs on the chosen node, else the node map's first (the first sampled).
    const benchNode = config.tools.kubeBench.node ?? sampledNodes[0] ?? "the node map's first node";
    const tools: readonly ScenarioTool[] = definition ? definition.tools : legacy!.tools;
    if (tools.length > 0)
      record.tools = await runTools(
        step,
        acts,
        { runId, cluster, namespace, tools: config.tools, artifactKey: input.artifactKey },
        tools,
        benchNode,
      );

    const samplingWindow = { runId, nodes, samplingStarted, sampledNodes, healthCheckSeconds, healthRecordsGaps };
    await waitOutWindow({ ...samplingWindow, start: windowStart, end: windowEnd }, record, progress, step, refreshDetails);
    if (loadPhase) record.load = await loadPhase.done;

    if (samplingStarted && nodes) {
      await step('collect', async () => {
        await acts<'stopSampling'>(stepOptions.sampling, 'stop-sampling', 'stop sadc on every node').stopSampling({
          runId,
          nodeMapPath: nodes,
        });
        return (record.collect = await acts<'collectSamples'>(
          stepOptions.collect,
          'collect',
          'collect the samples from every node',
        ).collectSamples({ runId, nodeMapPath: nodes, artifactKey: input.artifactKey }));
      });
      collected = true;
      record.sampling!.endedAt = Date.now();
    }
    if (nodes && config.bootTime.measure) {
      record.bootTime = await step('boot-time', () =>
        acts<'measureBootTime'>(
          stepOptions.bootTime,
          'boot-time',
          config.bootTime.reboot ? 'reboot every node and measure its boot time' : "read every node's boot time",
        ).measureBootTime({ runId, nodeMapPath: nodes, reboot: config.bootTime.reboot, cluster }),
      );
    }
    // Outside the measured window, before reset: what the scenario's hardening denies an attacker, and what an auditor finds.
    if (definition) {
      progress.step = 'attack-battery';
      refreshDetails();
      record.attacks = await runAttackBattery(acts, record, { runId, cluster, namespace, hardening: config.hardening });
    }
    if (audits) {
      progress.step = 'audit';
      refreshDetails();
      record.audits = await runAudits(
        acts,
        record,
        { runId, cluster, namespace, tools: config.tools, artifactKey: `${input.artifactKey}/audit` },
        tools,
        benchNode,
      );
    }
  } catch (err) {
    failure = err;
    record.status = isCancellation(err) ? 'cancelled' : err instanceof ScenarioAborted ? 'aborted' : 'failed';
    record.error = describeFailure(err);
  } finally {
    // Cleanup must run even when the scenario was cancelled: leave nothing behind on the cluster.
    await CancellationScope.nonCancellable(async () => {
      // A churn still running when the scenario failed stops before reset deletes its pods.
      if (loadPhase && !record.load) record.load = await loadPhase.stop();
      const nodes = nodeMapPath();
      const samplersMayRun = stopWhatStartAttempted ? samplingAttempted : samplingStarted;
      if (samplersMayRun && nodes && !collected) {
        // Stopping is idempotent; keep whatever was sampled before the failure or cancellation, for a partial report.
        await acts<'stopSampling'>(stepOptions.sampling, 'stop-sampling', 'stop sadc on every node')
          .stopSampling({ runId, nodeMapPath: nodes })
          .catch(stopWhatStartAttempted ? noteCleanupFailure('stop sampling') : () => undefined);
        if (samplingStarted)
          record.collect = await acts<'collectSamples'>(stepOptions.collect, 'collect', 'collect the samples from every node')
            .collectSamples({ runId, nodeMapPath: nodes, artifactKey: input.artifactKey })
            .catch(() => undefined);
      }
      if (samplersMayRun && nodes) {
        await acts<'cleanupNodes'>(stepOptions.sampling, 'cleanup-nodes', 'remove the sampler files from every node')
          .cleanupNodes({ runId, nodeMapPath: nodes })
          .catch(stopWhatStartAttempted ? noteCleanupFailure('clean up nodes') : () => undefined);
      }
      if (cluster) {
        const target = cluster;
        record.reset = await step('reset', () =>
          acts<'resetCluster'>(stepOptions.reset, 'reset', `reset: delete ${namespace} and the run's objects`).resetCluster({
            runId,
            cluster: target,
            namespace,
          }),
        ).catch((err) => {
          if (cleanupBesideError) return noteCleanupFailure('reset')(err);
          record.error ??= describeFailure(err);
          return undefined;
        });
        if (ownsCluster)
          await step('teardown', () =>
            acts<'teardownCluster'>(stepOptions.reset, 'teardown', 'tear down the cluster').teardownCluster({ runId, cluster: target }),
          ).catch(cleanupBesideError ? noteCleanupFailure('teardown') : () => undefined);
      }
      if (record.status === 'completed' && !record.collect) record.status = 'completed-without-samples';
      if (cleanupErrors.length > 0) record.cleanupErrors = cleanupErrors;
      progress.status = record.status;
      progress.step = 'finished';
      refreshDetails();
      const recording = acts<'recordScenario'>(
        stepOptions.record,
        'record',
        `record ${scenarioLabel(scenario, repetition)}`,
      ).recordScenario(record);
      if (cleanupBesideError) await recording.catch(noteCleanupFailure('record (the report lacks this scenario)'));
      else await recording;
    });
  }

  if (failure !== undefined) {
    if (isCancellation(failure)) throw failure;
    const cleanup = cleanupErrors.length > 0 ? `; cleanup also failed: ${cleanupErrors.join('; ')}` : '';
    const type = record.status === 'aborted' ? 'ScenarioAborted' : 'ScenarioFailed';
    const details = { scenario, repetition, status: record.status, cleanupErrors };
    throw ApplicationFailure.nonRetryable(`${record.error ?? 'scenario failed'}${cleanup}`, type, details);
  }
  if (cleanupErrors.some((e) => e.startsWith('record'))) {
    const details = { scenario, repetition, status: record.status, cleanupErrors };
    throw ApplicationFailure.nonRetryable(cleanupErrors.join('; '), 'ScenarioNotRecorded', details);
  }
  return record;
}
