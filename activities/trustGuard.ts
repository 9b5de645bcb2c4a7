/**
 * Defence in depth for the trust split: every activity learns which workflow called it from Temporal (not
 * from its input), finds the experiment that workflow belongs to in the worker's own records
 * (activities/experimentRecords.ts), and refuses a request whose environment fields, cluster reference,
 * node map, run id, namespace or artifact keys are not what the worker resolved and provisioned for it.
 * A workflow started by hand (a `scenarioRun` from the UI) thus reaches nothing the worker did not choose.
 * Each activity must say how it is checked: the table below is exhaustive by type.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { canonicalJson } from '../src/config/ownKeys';
import { ENVIRONMENT_FIELDS, environmentValue } from '../src/config/trust';
import type { HardenlabActivities } from '../src/domain/activities';
import type { ClusterRef } from '../src/domain/contracts';
import { namespaceFor, runIdFor, scenarioKey } from '../src/domain/naming';
import type { ExperimentRecord, ExperimentRecords } from './experimentRecords';

/** The calling workflow and its namespace, as the Temporal server says (an input cannot choose them). */
export type CallerLookup = () => { namespace: string; workflowId: string } | undefined;

const fromActivityContext: CallerLookup = () => {
  try {
    const { info } = Context.current();
    const workflowId = info.workflowExecution?.workflowId;
    return workflowId === undefined ? undefined : { namespace: info.workflowNamespace ?? '', workflowId };
  } catch {
    return undefined;
  }
};

interface Scope {
  record: ExperimentRecord;
  workflowId: string;
  /** Set when the caller is one of the experiment's scenario runs (`<experiment id>/<scenario>/<repetition>`). */
  scenario?: { name: string; repetition: number };
}

/** Collects what a request sets that the worker did not choose. */
class RequestCheck {
  readonly problems: string[] = [];
  constructor(private readonly scope: Scope, private readonly records: ExperimentRecords) {}

  private expect(field: string, ok: boolean, why: string): void {
    if (!ok) this.problems.push(`${field}: ${why}`);
  }

  runId(value: string): void {
    this.expect('runId', value === runIdFor(this.scope.workflowId), `is not the calling workflow's run id`);
  }

  namespace(value: string): void {
    const { scenario, workflowId } = this.scope;
    const own = scenario && namespaceFor(scenario.name, scenario.repetition, workflowId);
    this.expect('namespace', value === own, "is not the calling scenario run's namespace");
  }

  async cluster(value: unknown): Promise<void> {
    const known = value !== undefined && (await this.records.hasCluster(this.scope.record, value));
    this.expect('cluster', known, 'is not a cluster reference the worker provisioned for this experiment');
  }

  /** The cluster spec and node map of a provision request: the experiment's, as resolved. */
  clusterSpec(spec: unknown, nodeMapPath: unknown): void {
    const { config } = this.scope.record;
    const same = canonicalJson(spec) === canonicalJson(config.cluster);
    this.expect('cluster', same, "is not the cluster the worker's config chose for this experiment");
    this.expect('nodeMapPath', nodeMapPath === config.nodeMapPath, "is not the node map the worker's config chose for this experiment");
  }

  async nodeMapPath(value: string): Promise<void> {
    const clusters = await this.records.clusters(this.scope.record);
    const allowed = new Set([this.scope.record.config.nodeMapPath, ...clusters.map((c) => c.nodeMapPath)].filter((p) => p !== undefined));
    this.expect('nodeMapPath', allowed.has(value), "is not a node map of the worker's config or of a cluster it provisioned for it");
  }

  /** A scenario run's own artifact folder (or its audit subfolder); the experiment's folder for the experiment. */
  artifactKey(value: string, field = 'artifactKey'): void {
    const { record, scenario } = this.scope;
    const own = scenario ? scenarioKey(record.artifactKey, scenario.name, scenario.repetition) : record.artifactKey;
    const ok = value === own || (scenario !== undefined && value === `${own}/audit`);
    this.expect(field, ok, "is not the calling run's artifact folder in the experiment the worker resolved");
  }

  definitionsKey(value: string): void {
    this.expect('definitionsKey', value === this.scope.record.artifactKey, 'is not the folder of the experiment the worker resolved');
  }

  /** Every environment field of the tools section (from the trust table) is the worker's. */
  tools(value: unknown): void {
    for (const { field } of ENVIRONMENT_FIELDS.filter((f) => f.field.startsWith('tools.'))) {
      const inner = field.slice('tools.'.length);
      const same = canonicalJson(environmentValue(value, inner)) === canonicalJson(environmentValue(this.scope.record.config.tools, inner));
      this.expect(field, same, "differs from the worker's config");
    }
  }

  hardening(value: unknown): void {
    const same = canonicalJson(value) === canonicalJson(this.scope.record.config.hardening);
    this.expect('hardening', same, 'differs from the experiment as the worker resolved it');
  }
}

type Check<K extends keyof HardenlabActivities> = (req: Parameters<HardenlabActivities[K]>[0], check: RequestCheck) => Promise<void>;
type Checks = { [K in keyof HardenlabActivities]: Check<K> | 'resolves' };

/** Runs a request's checks, synchronous and asynchronous alike. */
const all = async (...checks: (Promise<void> | void)[]): Promise<void> => void (await Promise.all(checks));

/** How each activity's request is checked (the resolve activity is where records come from). */
const CHECKS: Checks = {
  resolveExperiment: 'resolves',
  provisionCluster: (req, c) => all(c.runId(req.runId), c.clusterSpec(req.cluster, req.nodeMapPath)),
  teardownCluster: (req, c) => all(c.runId(req.runId), c.cluster(req.cluster)),
  deployWorkload: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.cluster(req.cluster)),
  hardenNamespace: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.hardening(req.hardening), c.cluster(req.cluster)),
  resetCluster: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.cluster(req.cluster)),
  applyPacks: (req, c) =>
    all(
      c.runId(req.runId),
      c.namespace(req.namespace),
      c.hardening(req.hardening),
      c.definitionsKey(req.definitionsKey),
      c.cluster(req.cluster),
    ),
  runAttackBattery: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.hardening(req.hardening), c.cluster(req.cluster)),
  startSampling: (req, c) => all(c.runId(req.runId), c.nodeMapPath(req.nodeMapPath)),
  checkSampling: (req, c) => all(c.runId(req.runId), c.nodeMapPath(req.nodeMapPath)),
  stopSampling: (req, c) => all(c.runId(req.runId), c.nodeMapPath(req.nodeMapPath)),
  cleanupNodes: (req, c) => all(c.runId(req.runId), c.nodeMapPath(req.nodeMapPath)),
  collectSamples: (req, c) => all(c.runId(req.runId), c.artifactKey(req.artifactKey), c.nodeMapPath(req.nodeMapPath)),
  measureBootTime: (req, c) =>
    all(c.runId(req.runId), c.nodeMapPath(req.nodeMapPath), req.cluster === undefined ? undefined : c.cluster(req.cluster)),
  runKubeBench: (req, c) =>
    all(c.runId(req.runId), c.namespace(req.namespace), c.tools(req.tools), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  runKubeHunter: (req, c) =>
    all(c.runId(req.runId), c.namespace(req.namespace), c.tools(req.tools), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  runTrivy: (req, c) =>
    all(c.runId(req.runId), c.namespace(req.namespace), c.tools(req.tools), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  runPodChurn: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  scrapeApiMetrics: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  sendHttpLoad: (req, c) => all(c.runId(req.runId), c.namespace(req.namespace), c.artifactKey(req.artifactKey), c.cluster(req.cluster)),
  recordScenario: (record, c) => all(c.runId(record.runId), c.namespace(record.namespace), c.artifactKey(record.artifactKey)),
  buildReport: (req, c) => all(c.artifactKey(req.artifactKey)),
};

function refused(what: string, problems: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`refused ${what}: ${problems.join('; ')}`, 'InvalidInput', { errors: problems });
}

/** The experiment a workflow belongs to: its own record, or its parent's when it is a planned scenario run. */
async function scopeOf(namespace: string, workflowId: string, records: ExperimentRecords): Promise<Scope | undefined> {
  const own = await records.read(namespace, workflowId);
  if (own) return { record: own, workflowId };
  const match = /^(.+)\/([^/]+)\/(\d+)$/.exec(workflowId);
  if (!match) return undefined;
  const [, experimentId, name, rep] = match as unknown as [string, string, string, string];
  const record = await records.read(namespace, experimentId);
  const repetition = Number(rep);
  if (!record || !record.config.scenarios.includes(name) || repetition < 1 || repetition > record.config.repetitions) return undefined;
  return { record, workflowId, scenario: { name, repetition } };
}

export function guardActivities(
  activities: HardenlabActivities,
  records: ExperimentRecords,
  caller: CallerLookup = fromActivityContext,
): HardenlabActivities {
  const guarded = {} as Record<string, (req: never) => Promise<unknown>>;
  for (const name of Object.keys(CHECKS) as (keyof HardenlabActivities)[]) {
    const inner = activities[name] as (req: unknown) => Promise<unknown>;
    const check = CHECKS[name] as Checks[keyof Checks];
    guarded[name] = async (req: unknown) => {
      const from = caller();
      if (check === 'resolves') {
        // An experiment resolves itself only: the record is keyed by the calling workflow.
        const ownId = from !== undefined && (req as { workflowId?: unknown }).workflowId === from.workflowId;
        if (!ownId) throw refused(name, [`workflowId: is not the calling workflow's id`]);
        const resolved = (await inner(req)) as { experimentId: string; artifactKey: string; config: ExperimentRecord['config'] };
        if (resolved.experimentId !== from.workflowId) throw refused(name, [`experimentId: is not the calling workflow's id`]);
        const { experimentId, artifactKey, config } = resolved;
        await records.write({ namespace: from.namespace, experimentId, artifactKey, config });
        return resolved;
      }
      const scope = from === undefined ? undefined : await scopeOf(from.namespace, from.workflowId, records);
      const who = JSON.stringify(from?.workflowId ?? '(none)');
      if (!scope)
        throw refused(name, [
          `the calling workflow ${who} is not an experiment this worker resolved, nor one of its planned scenario runs`,
        ]);
      const request = new RequestCheck(scope, records);
      await (check as (req: unknown, c: RequestCheck) => Promise<void>)(req, request);
      if (request.problems.length > 0) throw refused(name, request.problems);
      const result = await inner(req);
      if (name === 'provisionCluster') await records.addCluster(scope.record, (result as { cluster: ClusterRef }).cluster);
      return result;
    };
  }
  return guarded as unknown as HardenlabActivities;
}
