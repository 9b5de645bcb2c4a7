import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bareObject, ownValue, PROTOTYPE_KEYS, prototypeKeyProblems } from './ownKeys';
import { hardenlabHome } from './paths';
import { HTTP_LOAD_FROM } from './loadDesign';
import { pinnedImageProblem } from './pinnedImage';

/**
 * The worker's config file: how to reach Temporal, and this worker's environment (cluster, node map, …:
 * the fields a workflow input may not set) so that `{}` started from the Temporal UI runs where the
 * worker was set up.
 * Found at $HARDENLAB_CONFIG, else `<data folder>/config.yaml` when present.
 */
export const TASK_QUEUE = 'hardenlab';

const pinnedImage = (why: string) =>
  z
    .string()
    .min(1)
    .superRefine((image, ctx) => {
      const problem = pinnedImageProblem(image, why);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

export const workerConfigSchema = z
  .object({
    temporal: z
      .object({
        address: z.string().min(1).default('127.0.0.1:7233'),
        namespace: z.string().min(1).default('default'),
        taskQueue: z.string().min(1).default(TASK_QUEUE),
        tls: z
          .object({
            certPath: z.string().min(1).optional(),
            keyPath: z.string().min(1).optional(),
            caPath: z.string().min(1).optional(),
            serverName: z.string().min(1).optional(),
          })
          .strict()
          .optional(),
        /** AES-GCM payload encryption key file (32 bytes, raw or base64); off when absent. */
        encryptionKeyPath: z.string().min(1).optional(),
        /**
         * The namespace has hardenlab's search attributes (src/domain/searchAttributes.ts), so runs set them;
         * `hardenlab dev` registers them on its server and sets this itself.
         */
        searchAttributes: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
    /**
     * This worker's environment (cluster, credentials, node map, scan targets: src/config/trust.ts) and
     * experiment defaults, same fields as the experiment config.
     */
    experiment: z.record(z.string(), z.unknown()).default({}),
    /**
     * Capabilities still being built, each off by default. `loadPhase` no longer gates anything (issue 27's load
     * phase runs for every worker since the load pod was built); accepted so older config files still load.
     */
    experimental: z.object({ loadPhase: z.boolean().optional() }).strict().optional(),
    /**
     * Where this worker sends a design's HTTP load from (issue 27): `worker` (itself, to the app's load-balancer
     * address) or `pod` (a load pod in the run's namespace, to the app's cluster address; no load balancer needed).
     * `image`: the load pod's (vegeta at scripts/tools/versions.env's version, with busybox's time), pinned by digest;
     * on the test bed its registry's own is used.
     */
    load: z
      .object({
        httpFrom: z.enum(HTTP_LOAD_FROM).default('worker'),
        image: pinnedImage('the load pod runs in every run namespace and sends its traffic').optional(),
      })
      .strict()
      .optional(),
    /**
     * The policy engine this worker installs (the policy-engine pack) on clusters other than the test bed, whose
     * registry serves its own: Gatekeeper's manager image at deploy/versions.env's version, pinned by digest.
     */
    policyEngine: z.object({ image: pinnedImage('the engine answers every admission call of the cluster') }).strict().optional(),
    /**
     * Named environments a workflow input may pick with `environment: "<name>"`; the chosen one replaces
     * the environment fields of `experiment:` (its design defaults still apply).
     */
    environments: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an environment name is letters, digits, ".", "_" or "-"'),
        z.record(z.string(), z.unknown()),
      )
      .default({}),
  })
  .strict();

export type WorkerConfig = z.output<typeof workerConfigSchema>;

export class ConfigFileError extends Error {
  constructor(readonly file: string, readonly problems: { field: string; message: string }[]) {
    super(`config file ${file}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigFileError';
  }
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.HARDENLAB_CONFIG || path.join(hardenlabHome(env), 'config.yaml'));
}

/** Loads and validates the worker config; a missing default file means defaults, a missing explicit one is an error. */
export async function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): Promise<{ config: WorkerConfig; file?: string }> {
  const file = configFilePath(env);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !env.HARDENLAB_CONFIG)
      return { config: applyEnv(workerConfigSchema.parse({}), env) };
    throw new ConfigFileError(file, [{ field: '(file)', message: (err as Error).message }]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigFileError(file, [{ field: '(syntax)', message: (err as Error).message.split('\n')[0] ?? 'invalid YAML' }]);
  }
  const protoKeys = prototypeKeyProblems(raw);
  if (protoKeys.length > 0) throw new ConfigFileError(file, protoKeys);
  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigFileError(
      file,
      parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', message: i.message })),
    );
  }
  return { config: applyEnv(parsed.data, env), file };
}

/** Environment variables win over the file, as operators expect from containers. */
function applyEnv(config: WorkerConfig, env: NodeJS.ProcessEnv): WorkerConfig {
  const t = config.temporal;
  return {
    ...config,
    temporal: {
      ...t,
      address: env.TEMPORAL_ADDRESS ?? t.address,
      namespace: env.TEMPORAL_NAMESPACE ?? t.namespace,
      taskQueue: env.HARDENLAB_TASK_QUEUE ?? t.taskQueue,
      encryptionKeyPath: env.HARDENLAB_ENCRYPTION_KEY_FILE ?? t.encryptionKeyPath,
      tls:
        env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_KEY || env.TEMPORAL_TLS_CA
          ? {
              certPath: env.TEMPORAL_TLS_CERT,
              keyPath: env.TEMPORAL_TLS_KEY,
              caPath: env.TEMPORAL_TLS_CA,
              serverName: env.TEMPORAL_TLS_SERVER_NAME,
            }
          : t.tls,
    },
  };
}

/**
 * Deep merge of plain objects; arrays and scalars from `over` replace those in `base`. Own properties only,
 * into objects without a prototype, and prototype keys are dropped (callers refuse them first, naming them).
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (over === undefined) return ownCopy(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return ownCopy(over);
  const out = bareObject();
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    if (!PROTOTYPE_KEYS.has(key)) out[key] = mergeConfig(ownValue(base, key), ownValue(over, key));
  }
  return out;
}

/** A deep copy of a JSON-like value: own properties only, objects without a prototype. */
export function ownCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ownCopy);
  if (!isPlainObject(value)) return value;
  const out = bareObject();
  for (const key of Object.keys(value)) if (!PROTOTYPE_KEYS.has(key)) out[key] = ownCopy(value[key]);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
