import { z } from 'zod';
import { SCENARIO_NAME_PATTERN } from '../../domain/scenarios';
import type { ExperimentData, ScenarioRunData } from './runData';

/** Collected data that does not match ExperimentData / ScenarioRunData; names the file and the field. */
export class ExperimentDataError extends Error {
  override readonly name = 'ExperimentDataError';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

const num = z.number().finite();
const cpuSample = z.object({
  time: num,
  used: num,
  user: num,
  nice: num,
  system: num,
  iowait: num,
  steal: num,
  idle: num,
});
/** An older record's 0 KiB meant "no reading landed in the sampler's life": read as not measured, never as 0. */
export const OLD_ZERO_PEAK_REASON = 'recorded as 0 KiB by an older hardenlab: no peak reading landed in the sampler\'s life';
const samplerOverhead = z
  .object({ node: z.string(), cpuSeconds: num, maxRssKiB: num.optional(), maxRssNotMeasured: z.string().optional() })
  .transform(({ maxRssKiB, maxRssNotMeasured, ...rest }) => ({
    ...rest,
    ...(maxRssKiB ? { maxRssKiB } : {}),
    ...(maxRssNotMeasured || !maxRssKiB ? { maxRssNotMeasured: maxRssNotMeasured ?? OLD_ZERO_PEAK_REASON } : {}),
  }));
const memorySample = z.object({ time: num, memUsedPercent: num, fields: z.record(z.string(), num) });

const quantiles = z.object({ n: z.number().int().nonnegative(), p50: num.nullable(), p95: num.nullable(), p99: num.nullable() });
const admissionFigure = z.object({
  name: z.string(),
  count: num,
  meanMs: num.nullable(),
  p50Ms: num.nullable(),
  p95Ms: num.nullable(),
  p99Ms: num.nullable(),
});
const loadRunData = z.object({
  churnRunsOn: z.literal('worker').optional(),
  offeredPerMinute: num.optional(),
  achievedPerMinute: num.optional(),
  rateMessage: z.string().optional(),
  createMs: quantiles.optional(),
  deleteMs: quantiles.optional(),
  readyMs: quantiles.optional(),
  startupMs: z.partialRecord(z.enum(['scheduled', 'initialized', 'containersReady', 'ready']), quantiles).optional(),
  startupPods: num.optional(),
  podSecurity: z.object({ admissions: num, meanMs: num.nullable() }).optional(),
  http: z
    .object({
      runsOn: z.enum(['worker', 'pod']),
      requestSet: z.string(),
      offeredPerSecond: num,
      achievedPerSecond: num,
      latencyMs: quantiles,
      errorRate: num,
      errors: num,
      due: num,
      generatorCpuSeconds: num,
      errorSamples: z.array(z.string()),
      lateStartSeconds: num.optional(),
    })
    .optional(),
  admission: z
    .object({ controllers: z.array(admissionFigure), webhooks: z.array(admissionFigure), podCreates: admissionFigure.nullable() })
    .optional(),
  engine: z
    .object({
      namespace: z.string(),
      pods: z.array(z.object({ pod: z.string(), node: z.string(), cpuCores: num, memoryMiB: num })),
      error: z.string().optional(),
    })
    .optional(),
  notRun: z.array(z.string()),
  error: z.string().optional(),
});

export const scenarioRunDataSchema = z.object({
  scenario: z.string().regex(SCENARIO_NAME_PATTERN),
  repetition: z.number().int().nonnegative(),
  nodes: z.array(
    z.object({
      node: z.string().min(1),
      cpu: z.array(cpuSample),
      memory: z.array(memorySample),
      cpuSource: z.enum(['sar', 'cgroup']).optional(),
      sarCpu: z.array(cpuSample).optional(),
    }),
  ),
  gaps: z.array(z.object({ node: z.string(), start: num, end: num, reason: z.string() })),
  timings: z.object({
    deploySeconds: num.optional(),
    scaleUpSeconds: num.optional(),
    bootSeconds: z.record(z.string(), num.nullable()).optional(),
    toolRuns: z.array(z.object({ tool: z.string(), mode: z.string(), target: z.string().optional(), start: num, end: num })).optional(),
  }),
  findings: z
    .array(
      z.object({
        tool: z.string(),
        severity: z.string().optional(),
        status: z.string().optional(),
        mode: z.string().optional(),
        target: z.string().optional(),
        id: z.string().optional(),
        title: z.string().optional(),
        section: z.string().optional(),
        remediation: z.string().optional(),
        evidence: z.string().optional(),
      }),
    )
    .optional(),
  hardening: z.unknown().optional(),
  definition: z
    .object({
      source: z.string(),
      packs: z.array(z.object({ name: z.string(), source: z.string(), expectedDenials: z.array(z.string()).optional() })),
      tools: z.array(z.string()),
      manifests: z.array(
        z.object({
          pack: z.string(),
          file: z.string(),
          document: z.number().int(),
          kind: z.string(),
          name: z.string(),
          sha256: z.string(),
        }),
      ),
    })
    .optional(),
  attacks: z
    .array(
      z.object({
        id: z.string(),
        title: z.string(),
        category: z.string(),
        as: z.string(),
        outcome: z.enum(['allowed', 'denied', 'not-enforceable', 'not-tested', 'error']),
        message: z.string(),
      }),
    )
    .optional(),
  audits: z
    .array(
      z.object({
        tool: z.string(),
        mode: z.string(),
        target: z.string().optional(),
        inWindow: z.boolean(),
        outcome: z.enum(['ok', 'no-output', 'failed']),
        counts: z.record(z.string(), num),
        error: z.string().optional(),
      }),
    )
    .optional(),
  clusterFacts: z.record(z.string(), z.unknown()).optional(),
  samplerOverhead: z.array(samplerOverhead).optional(),
  nodeIdentity: z
    .array(
      z.object({
        node: z.string(),
        machineId: z.string().optional(),
        bootId: z.string().optional(),
        kernel: z.string().optional(),
        procStatLxcfs: z.boolean().optional(),
        cpus: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  status: z.enum(['completed', 'completed-without-samples', 'failed', 'cancelled', 'skipped']),
  error: z.string().optional(),
  stepsNotRun: z.array(z.object({ step: z.string(), status: z.enum(['skipped', 'failed']), error: z.string().optional() })).optional(),
  load: loadRunData.optional(),
});

export const experimentDataSchema = z.object({
  experimentId: z.string().min(1),
  startedAt: z.string(),
  scenarios: z.array(scenarioRunDataSchema),
});

function check<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  throw new ExperimentDataError(file, `${where}: ${issue.message}`);
}

/** Validates a parsed experiment-data.json. */
export function validateExperimentData(value: unknown, file: string): ExperimentData {
  return check(experimentDataSchema, value, file) as ExperimentData;
}

/** Validates a parsed <scenario>/<rep>/scenario-data.json. */
export function validateScenarioRunData(value: unknown, file: string): ScenarioRunData {
  return check(scenarioRunDataSchema, value, file) as ScenarioRunData;
}

/**
 * One ExperimentData from an optional experiment-data.json and per-run scenario-data.json files; a per-run file
 * replaces the same scenario and repetition from experiment-data.json.
 */
export function mergeExperimentData(
  experimentId: string,
  whole: ExperimentData | undefined,
  runs: ScenarioRunData[],
): ExperimentData {
  const key = (r: ScenarioRunData) => `${r.scenario}#${r.repetition}`;
  const merged = new Map<string, ScenarioRunData>();
  for (const r of whole?.scenarios ?? []) merged.set(key(r), r);
  for (const r of runs) merged.set(key(r), r);
  let startedAt = whole?.startedAt;
  if (!startedAt) {
    let first = Infinity;
    for (const r of merged.values()) for (const n of r.nodes) for (const s of n.cpu) first = Math.min(first, s.time);
    startedAt = Number.isFinite(first) ? new Date(first).toISOString() : '';
  }
  return { experimentId: whole?.experimentId ?? experimentId, startedAt, scenarios: [...merged.values()] };
}
