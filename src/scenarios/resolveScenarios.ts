/**
 * Resolves the scenario names of an experiment: the thesis's presets (built-in packs) and the worker's own
 * scenarios and packs from its config folder (`scenarios/<name>.yaml`, `packs/<name>/*.yaml`). The input
 * only names scenarios; what they apply is the worker's. Used by the resolve activity and `hardenlab validate`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { prototypeKeyProblems } from '../config/ownKeys';
import { z } from 'zod';
import { repoRoot } from '../config/paths';
import {
  isPreset,
  PRESET_SCENARIOS,
  SCENARIO_NAME_PATTERN,
  SCENARIO_TOOLS,
  type PresetScenario,
  type ScenarioDefinition,
  type ScenarioTool,
} from '../domain/scenarios';
import { hardensPods, loadPack, PACK_NAME_PATTERN, type LoadedPack, type ScenarioProblem } from './packs';

export const BUILT_IN_PACKS = ['pod-security', 'rbac', 'network-policy', 'resource-limits', 'policy-engine'] as const;
export const builtInPacksDir = path.join(repoRoot, 'packs');

const BEST_PRACTICES = ['pod-security', 'rbac', 'network-policy'];

/** The thesis's scenarios as packs and tools; security-tools is hardened only when the config says so. */
export function presetScenario(
  name: PresetScenario,
  inSecurityTools: boolean,
): { packs: string[]; tools: ScenarioTool[]; description: string } {
  switch (name) {
    case 'baseline':
      return { packs: [], tools: [], description: 'the demo web app as deployed, nothing hardened' };
    case 'best-practices':
      return { packs: BEST_PRACTICES, tools: [], description: 'Pod Security restricted, least-privilege RBAC and NetworkPolicy' };
    case 'security-tools':
      return {
        packs: inSecurityTools ? BEST_PRACTICES : [],
        tools: ['kube-bench', 'kube-hunter', 'trivy'],
        description: 'kube-bench, kube-hunter and Trivy run inside the window',
      };
  }
}

/**
 * Built-in scenarios beyond the thesis's presets, run only when named (not in the default list): `policy-engine`
 * needs nodes that run pods (the real-node test bed, or a cluster whose worker pins the engine's image).
 */
export const EXTRA_SCENARIOS: Record<string, { packs: string[]; tools: ScenarioTool[]; description: string }> = {
  'policy-engine': {
    packs: ['policy-engine'],
    tools: [],
    description: "Gatekeeper with hardenlab's own restricted policy: the same pod attacks refused by an admission webhook",
  },
};

export const scenarioFileSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().max(500).optional(),
    packs: z.array(z.string().regex(PACK_NAME_PATTERN, 'a pack name is a DNS label (a-z, 0-9, "-")')).default([]),
    tools: z.array(z.enum(SCENARIO_TOOLS)).default([]),
  })
  .strict();

export interface ScenarioFolders {
  /** The worker's config folder (the folder of its config file). */
  configDir: string;
  /** Where the built-in packs live (the repository's packs/). */
  builtInDir?: string;
  inSecurityTools: boolean;
}

export type ScenarioResolution =
  { ok: true; definitions: ScenarioDefinition[]; packs: LoadedPack[] } | { ok: false; errors: ScenarioProblem[] };

/** The user scenarios the config folder defines (by file name), for messages. */
export async function userScenarioNames(configDir: string): Promise<string[]> {
  const files = await fs.readdir(path.join(configDir, 'scenarios')).catch(() => [] as string[]);
  return files.filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort();
}

async function findFile(...candidates: string[]): Promise<string | undefined> {
  for (const file of candidates) if (await fs.stat(file).then((s) => s.isFile(), () => false)) return file;
  return undefined;
}

async function readScenarioFile(
  file: string,
  name: string,
): Promise<{ spec?: z.output<typeof scenarioFileSchema>; errors: ScenarioProblem[] }> {
  let raw: unknown;
  try {
    raw = parseYaml(await fs.readFile(file, 'utf8')) ?? {};
  } catch (err) {
    return { errors: [{ field: file, message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const protoKeys = prototypeKeyProblems(raw);
  if (protoKeys.length > 0) return { errors: protoKeys.map((p) => ({ field: `${file}: ${p.field}`, message: p.message })) };
  const parsed = scenarioFileSchema.safeParse(raw);
  if (!parsed.success)
    return {
      errors: parsed.error.issues.map((i) => ({ field: `${file}: ${i.path.map(String).join('.') || '(root)'}`, message: i.message })),
    };
  if (parsed.data.name !== undefined && parsed.data.name !== name)
    return {
      errors: [{ field: `${file}: name`, message: `is "${parsed.data.name}" but the file is named for "${name}": they must agree` }],
    };
  return { spec: parsed.data, errors: [] };
}

/** Resolves each named scenario to its packs (loaded and checked) and tools; every problem is reported, not just the first. */
export async function resolveScenarios(names: readonly string[], folders: ScenarioFolders): Promise<ScenarioResolution> {
  const builtInDir = folders.builtInDir ?? builtInPacksDir;
  const errors: ScenarioProblem[] = [];
  const packs = new Map<string, LoadedPack | null>();
  const loadNamed = async (pack: string, field: string): Promise<LoadedPack | undefined> => {
    if (!packs.has(pack)) {
      const builtIn = (BUILT_IN_PACKS as readonly string[]).includes(pack);
      const dir = builtIn ? path.join(builtInDir, pack) : path.join(folders.configDir, 'packs', pack);
      const exists = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
      if (!exists) {
        errors.push({ field, message: `unknown pack "${pack}": not built in (${BUILT_IN_PACKS.join(', ')}) and no folder ${dir}` });
        packs.set(pack, null);
      } else {
        const loaded = await loadPack(pack, dir, builtIn ? 'built-in' : dir);
        errors.push(...loaded.problems);
        packs.set(pack, loaded.pack ?? null);
      }
    }
    return packs.get(pack) ?? undefined;
  };

  const definitions: ScenarioDefinition[] = [];
  for (const [index, name] of names.entries()) {
    const field = `scenarios.${index}`;
    let spec: { packs: string[]; tools: ScenarioTool[]; description?: string };
    let source = 'built-in';
    if (isPreset(name)) {
      spec = presetScenario(name, folders.inSecurityTools);
    } else if (Object.hasOwn(EXTRA_SCENARIOS, name)) {
      spec = EXTRA_SCENARIOS[name]!;
    } else {
      const dir = path.join(folders.configDir, 'scenarios');
      const file = SCENARIO_NAME_PATTERN.test(name)
        ? await findFile(path.join(dir, `${name}.yaml`), path.join(dir, `${name}.yml`))
        : undefined;
      if (!file) {
        const known = [...PRESET_SCENARIOS, ...Object.keys(EXTRA_SCENARIOS), ...(await userScenarioNames(folders.configDir))];
        errors.push({
          field,
          message:
            `unknown scenario ${JSON.stringify(name)}: known are ${known.join(', ')} (a scenario of your own is a ` +
            `file ${path.join(dir, `${name}.yaml`)})`,
        });
        continue;
      }
      const read = await readScenarioFile(file, name);
      errors.push(...read.errors);
      if (!read.spec) continue;
      spec = read.spec;
      source = file;
    }
    if (new Set(spec.packs).size !== spec.packs.length)
      errors.push({ field: source === 'built-in' ? field : `${source}: packs`, message: 'lists a pack twice' });
    const loaded: LoadedPack[] = [];
    for (const [i, pack] of spec.packs.entries()) {
      const got = await loadNamed(pack, source === 'built-in' ? field : `${source}: packs.${i}`);
      if (got) loaded.push(got);
    }
    definitions.push({
      name,
      source,
      ...(spec.description ? { description: spec.description } : {}),
      packs: loaded.map((p) => ({ name: p.name, source: p.source, ...(p.expectedDenials ? { expectedDenials: p.expectedDenials } : {}) })),
      tools: [...spec.tools],
      hardenedWorkload: loaded.some(hardensPods),
      manifests: loaded.flatMap((p) => p.manifests.map((m) => m.ref)),
    });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, definitions, packs: [...packs.values()].filter((p): p is LoadedPack => p !== null) };
}
