import { z } from 'zod';
import { nodeAccessSchema } from './nodeMap';
import { httpSourceIssues, loadIssues, loadSchema, type HttpLoadFrom } from './loadDesign';
import { accessImageProblem } from './nodeAccess';

/**
 * The experiment's configuration: what a user may send from the Temporal UI (any subset, `{}` included),
 * merged over the worker's config file and these defaults. Defaults reproduce the thesis.
 * Pure (zod only), so the CLI, the worker and tests share one definition.
 */
import { SCENARIO_NAME_PATTERN, SCENARIOS, TRIVY_K8S_COMPLIANCE, TRIVY_MODES, type ScenarioName } from '../domain/scenarios';

export { SCENARIOS, type ScenarioName };

const seconds = (max: number) => z.number().int().positive().max(max);
const DAY = 86_400;
/**
 * Health checks per sampling window, at most: each costs about 6 history events (timer, workflow task,
 * local-activity marker), so the largest window stays far below Temporal's 51,200-event history limit
 * (measured in test/workflows/durability.test.ts).
 */
export const MAX_HEALTH_CHECKS_PER_WINDOW = 1440;
const path = z.string().min(1);

export const clusterSchema = z
  .object({
    /** kubeconfig: an existing cluster; local: the test bed (`hardenlab testbed`); linode: LKE, created per run. */
    provider: z.enum(['kubeconfig', 'local', 'linode']).default('kubeconfig'),
    kubeconfigPath: path.optional(),
    context: z.string().min(1).optional(),
    linode: z
      .object({
        region: z.string().min(1).default('eu-central'),
        kubernetesVersion: z.string().min(1).default('1.33'),
        nodeType: z.string().min(1).default('g6-standard-1'),
        nodeCount: z.number().int().min(1).max(100).default(3),
        /** Where the API token comes from: an environment variable name or a file path, never the token. */
        tokenEnv: z.string().min(1).default('LINODE_TOKEN'),
        tokenFile: path.optional(),
        apiUrl: z.string().url().optional(),
        /** SSH access to the nodes LKE creates: each run's node map is derived from it and the nodes' addresses in the Linode API. */
        ssh: nodeAccessSchema.optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const workloadSchema = z
  .object({
    image: z.string().min(1).default('thenetworkchuck/nccoffee:pourover'),
    /** The thesis's image runs as root and cannot pass `restricted`; hardened runs use a non-root image. */
    hardenedImage: z.string().min(1).default('nginxinc/nginx-unprivileged:1.27-alpine'),
    replicas: z.number().int().min(1).max(1000).default(3),
    scaleTo: z.number().int().min(1).max(1000).default(5),
    serviceType: z.enum(['LoadBalancer', 'NodePort', 'ClusterIP']).default('LoadBalancer'),
    port: z.number().int().min(1).max(65535).default(80),
    /** How long to wait for a LoadBalancer address before recording it as pending. */
    loadBalancerWaitSeconds: seconds(3600).default(120),
  })
  .strict();

/** No ':' at all, so no `system:…` identity and no service account (`system:serviceaccount:<ns>:<name>`). */
export const RBAC_USER_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._@-]{0,62}[A-Za-z0-9])?$/;

export const hardeningSchema = z
  .object({
    /** Also harden the security-tools scenario (the thesis did not). */
    inSecurityTools: z.boolean().default(false),
    /**
     * The test user the packs bind and the attack battery impersonates: a plain user name, never a `system:`
     * identity (a service account, a node, the controller manager), which the battery would act as.
     */
    rbacUser: z
      .string()
      .regex(
        RBAC_USER_PATTERN,
        "a plain user name: letters, digits, '.', '_', '@' or '-', at most 64, without ':' (so never a system: identity)",
      )
      .default('tester'),
  })
  .strict();

export const toolsSchema = z
  .object({
    /**
     * Also run kube-bench, kube-hunter and Trivy after every scenario's window (next to the attack battery, before reset),
     * as audits outside the measured time, with the modes below; inside the window they run only where a scenario
     * lists them (security-tools), so the cost figures stay clean.
     */
    auditAfterWindow: z.boolean().default(false),
    kubeBench: z
      .object({
        enabled: z.boolean().default(true),
        mode: z.enum(['node', 'job']).default('node'),
        benchmark: z.string().min(1).optional(),
        targets: z.array(z.enum(['master', 'node', 'controlplane', 'etcd', 'policies'])).min(1).optional(),
        /** kube-bench binary on the node; installed by the activity when absent. */
        binaryPath: path.optional(),
        configDir: path.optional(),
        /** Node (by Kubernetes name) to run node mode on; the first node when absent. */
        node: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    kubeHunter: z
      .object({
        enabled: z.boolean().default(true),
        modes: z.array(z.enum(['remote', 'interface', 'pod'])).min(1).default(['remote']),
        /** Host for remote mode; the API server's host when absent. */
        remoteTarget: z.string().min(1).optional(),
        /** Active hunting changes the cluster; off unless explicitly enabled. */
        active: z.boolean().default(false),
        image: z.string().min(1).default('aquasec/kube-hunter:0.6.8'),
        /**
         * `interface` and `pod` probe whole subnets: refused unless the worker's config allows them. With
         * closedNamespace (a test bed's node namespace) each run first proves from that namespace's configuration
         * that nothing can leave it.
         */
        subnetProbes: z
          .object({
            allowed: z.boolean().default(false),
            closedNamespace: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a network namespace name').optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    trivy: z
      .object({
        enabled: z.boolean().default(true),
        /** misconfig: Trivy's Kubernetes misconfiguration and RBAC scan; compliance: its report for `compliance`. */
        modes: z.array(z.enum(TRIVY_MODES)).min(1).default(['misconfig', 'compliance']),
        compliance: z.enum(TRIVY_K8S_COMPLIANCE).default('k8s-cis-1.23'),
        /** Trivy on the worker host; the cache's build (scripts/tools/build-trivy.sh) when absent. */
        binaryPath: path.optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const experimentSchema = z
  .object({
    /** Presets or scenarios of the worker's config folder (`scenarios/<name>.yaml`): checked when the worker resolves them. */
    scenarios: z
      .array(z.string().regex(SCENARIO_NAME_PATTERN, 'a scenario name is a DNS label of at most 40 characters (a-z, 0-9, "-")'))
      .min(1)
      .default([...SCENARIOS]),
    repetitions: z.number().int().min(1).max(100).default(1),
    /** Seeds the random scenario order of each repetition; derived from the workflow id when absent. */
    seed: z.number().int().nonnegative().optional(),
    /** shared: one cluster, scenarios in turn, reset between. per-scenario: a cluster each, in parallel. */
    isolation: z.enum(['shared', 'per-scenario']).default('shared'),
    window: z
      .object({
        durationSeconds: seconds(30 * DAY).default(DAY),
        /** sysstat's default sampling interval, as in the thesis. */
        intervalSeconds: seconds(DAY).default(600),
        healthCheckSeconds: seconds(DAY).default(3600),
      })
      .strict()
      .prefault({}),
    cluster: clusterSchema.prefault({}),
    /** Path to the node map file (how to reach each node over SSH); the test bed's when provider is local. */
    nodeMapPath: path.optional(),
    /**
     * How the worker reaches the nodes: `ssh` (the node map) or `kubernetes` (a privileged pod per node, src/nodeaccess/).
     * Default: ssh with a node map, kubernetes without (src/config/nodeAccess.ts).
     */
    nodeAccess: z.enum(['ssh', 'kubernetes']).optional(),
    /** The access pod's image for `nodeAccess: kubernetes` (it needs nsenter and sleep), pinned by digest. */
    nodeAccessImage: z
      .string()
      .min(1)
      .superRefine((image, ctx) => {
        const problem = accessImageProblem(image);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /**
     * Taint keys the access pod may tolerate beyond the node lifecycle's and the control plane's: a node with any
     * other taint, or cordoned, is refused naming it (src/nodeaccess/nodeFit.ts).
     */
    nodeAccessTolerations: z.array(z.string().min(1).max(316)).max(64).optional(),
    workload: workloadSchema.prefault({}),
    hardening: hardeningSchema.prefault({}),
    tools: toolsSchema.prefault({}),
    bootTime: z
      .object({ measure: z.boolean().default(true), reboot: z.boolean().default(false) })
      .strict()
      .prefault({}),
    /** Work for the cluster during the window (issue 27); absent: the thesis's idle cluster. */
    load: loadSchema.optional(),
    /** How long a scenario waits for an operator's retry/skip/abort before aborting. */
    operatorTimeoutSeconds: seconds(30 * DAY).default(DAY),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.window.intervalSeconds > cfg.window.durationSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['window', 'intervalSeconds'],
        message: `the sampling interval (${cfg.window.intervalSeconds} s) is longer than the window (${cfg.window.durationSeconds} s)`,
      });
    }
    const checks = Math.ceil(cfg.window.durationSeconds / cfg.window.healthCheckSeconds);
    if (checks > MAX_HEALTH_CHECKS_PER_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['window', 'healthCheckSeconds'],
        message:
          `at most ${MAX_HEALTH_CHECKS_PER_WINDOW} health checks per window (Temporal's history limit): with ` +
          `a ${cfg.window.durationSeconds} s window, healthCheckSeconds must be at ` +
          `least ${Math.ceil(cfg.window.durationSeconds / MAX_HEALTH_CHECKS_PER_WINDOW)}, got ${cfg.window.healthCheckSeconds}`,
      });
    }
    const load = loadIssues(cfg.load, cfg.window.durationSeconds);
    for (const issue of load) ctx.addIssue({ code: 'custom', ...issue });
    if (cfg.workload.scaleTo < cfg.workload.replicas) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'scaleTo'], message: 'must be at least workload.replicas' });
    }
    if (new Set(cfg.scenarios).size !== cfg.scenarios.length) {
      ctx.addIssue({ code: 'custom', path: ['scenarios'], message: 'lists a scenario twice' });
    }
    if (cfg.isolation === 'per-scenario' && cfg.cluster.provider !== 'linode') {
      ctx.addIssue({
        code: 'custom',
        path: ['isolation'],
        message:
          `'per-scenario' needs a provider that creates clusters (linode); with '${cfg.cluster.provider}' the scenarios would ` +
          `share nodes and their measurements would mix`,
      });
    }
  });

/**
 * What a user sends: every design field optional, nested objects partial, and optionally the name of one
 * of the worker config's `environments` (environment fields themselves are the worker's: src/config/trust.ts).
 */
export type ExperimentInput = z.input<typeof experimentSchema> & { environment?: string };
/** After defaults and validation. */
export type ExperimentConfig = z.output<typeof experimentSchema>;
export type ClusterSpec = ExperimentConfig['cluster'];
export type WorkloadSpec = ExperimentConfig['workload'];
export type HardeningSpec = ExperimentConfig['hardening'];
export type ToolsSpec = ExperimentConfig['tools'];
export type { LoadSpec } from './loadDesign';

export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; config: ExperimentConfig } | { ok: false; errors: FieldError[] };

/** Validates a merged input, naming every bad field (not just the first). */
/**
 * The design, checked. `httpFrom`: where the worker config sends the HTTP load from (its `load.httpFrom`), which decides
 * whether the app needs a load-balancer address.
 */
export function validateExperiment(input: unknown, httpFrom: HttpLoadFrom = 'worker'): ValidationResult {
  const parsed = experimentSchema.safeParse(input ?? {});
  const issues = parsed.success ? httpSourceIssues(parsed.data.load, parsed.data.workload.serviceType, httpFrom) : [];
  if (parsed.success && issues.length === 0) return { ok: true, config: parsed.data };
  const all = parsed.success ? issues : parsed.error.issues;
  return {
    ok: false,
    errors: all.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : '(input)',
      message: issue.message,
    })),
  };
}
