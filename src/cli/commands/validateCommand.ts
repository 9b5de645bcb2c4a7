import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify, parse as parseYaml } from 'yaml';
import type { ExperimentConfig, FieldError } from '../../config/experiment';
import { describeNodeAccess, nodeAccessOf } from '../../config/nodeAccess';
import { loadNodeMap } from '../../ssh/nodeMapFile';
import { resolveExperimentConfig, type Resolution } from '../../scenarios/resolveExperiment';
import { designDetectable, detectableText, readPilot, type DesignDetectable } from './validateDetectable';

export interface ValidateOptions {
  /** The worker config file (default: $HARDENLAB_CONFIG, else the data folder's config.yaml). */
  config?: string;
  /** The workflow input, already parsed from --input's JSON. */
  input?: unknown;
  /** The workflow input as a JSON or YAML file. */
  inputFile?: string;
  json?: boolean;
  /** A finished run's summary.json whose spread between repetitions estimates what this design could detect. */
  pilot?: string;
}

/**
 * `hardenlab validate`: resolves a workflow input as a worker with this config would, offline (no
 * Temporal server), so a 24 h run's input can be checked before it starts. Returns what to print and
 * whether the input is valid.
 */
export async function validateCommand(opts: ValidateOptions, env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; text: string }> {
  const workerEnv = opts.config ? { ...env, HARDENLAB_CONFIG: path.resolve(opts.config) } : env;
  const input = opts.inputFile ? await readInputFile(opts.inputFile) : { ok: true as const, value: opts.input ?? {} };
  const result: Resolution = input.ok
    ? await resolveExperimentConfig(input.value, { env: workerEnv })
    : { ok: false, errors: input.errors };
  let detectable: DesignDetectable | undefined;
  if (result.ok) {
    try {
      const pilot = opts.pilot ? { file: opts.pilot, values: await readPilot(opts.pilot) } : undefined;
      detectable = designDetectable(result.config, pilot);
    } catch (err) {
      const errors = [{ field: '--pilot', message: (err as Error).message }];
      return validateCommandResult({ ok: false, errors }, opts);
    }
  }
  if (opts.json) return { ok: result.ok, text: `${JSON.stringify({ ...result, ...(detectable ? { detectable } : {}) }, null, 2)}\n` };
  if (result.ok) {
    const source = result.configFile ? `with the worker config ${result.configFile}` : 'with no worker config file (defaults only)';
    const scenarios = result.scenarios.definitions.flatMap((d) => [
      `  ${d.name} (${d.source}): packs ${d.packs.map((p) => `${p.name} (${p.source})`).join(', ') || 'none'}; tools in the ` +
        `window ${d.tools.join(', ') || 'none'}`,
      ...d.manifests.map((m) => `    ${m.pack}/${m.file} #${m.document} ${m.kind}${m.name ? ` ${m.name}` : ''} sha256:${m.sha256}`),
      ...d.packs.flatMap((p) => (p.expectedDenials ? [`    ${p.name} expects denied: ${p.expectedDenials.join(', ')}`] : [])),
    ]);
    const access = await nodeAccessLines(result.config);
    return {
      ok: true,
      text:
        `valid: the experiment as a worker ${source} resolves it:\n${stringify(result.config)}\nscenarios as the worker resolves ` +
        `them:\n${scenarios.join('\n')}\n${access}${detectableText(detectable!)}`,
    };
  }
  return validateCommandResult(result, opts);
}

function validateCommandResult(result: Extract<Resolution, { ok: false }>, opts: ValidateOptions): { ok: boolean; text: string } {
  if (opts.json) return { ok: false, text: `${JSON.stringify(result, null, 2)}\n` };
  return {
    ok: false,
    text:
      `invalid: ${result.errors.length} ` +
      `error${result.errors.length === 1 ? '' : 's'}\n${result.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}\n`,
  };
}

/** Which access each node gets, and why (issue 24: SSH or the Kubernetes API). */
async function nodeAccessLines(config: ExperimentConfig): Promise<string> {
  const choice = nodeAccessOf(config);
  const map = config.nodeMapPath ? await loadNodeMap(config.nodeMapPath).catch(() => undefined) : undefined;
  const unlisted = config.nodeMapPath
    ? `the node map ${config.nodeMapPath} is not there yet`
    : 'the nodes are listed when a run has its cluster';
  const nodes = map ? describeNodeAccess(choice, map.nodes) : [`  every node: ${choice.access} (${choice.why}); ${unlisted}`];
  return `node access:\n${nodes.join('\n')}\n`;
}

async function readInputFile(file: string): Promise<{ ok: true; value: unknown } | { ok: false; errors: FieldError[] }> {
  try {
    return { ok: true, value: parseYaml(await fs.readFile(file, 'utf8')) ?? {} };
  } catch (err) {
    return { ok: false, errors: [{ field: `input file ${file}`, message: (err as Error).message.split('\n')[0] ?? 'unreadable' }] };
  }
}
