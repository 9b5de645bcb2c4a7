/**
 * Issue 25, high 2: prototype keys (`__proto__`, `constructor`, `prototype`) in an input set environment
 * fields. A property test over every environment field of the trust table and every variant kind, through
 * `hardenlab validate`'s own function; and the same keys in the worker config, scenario and pack files.
 */
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { validateCommand } from '../../../src/cli/commands/validateCommand';
import { ENVIRONMENT_FIELDS } from '../../../src/config/trust';
import { ConfigFileError, loadWorkerConfig, mergeConfig } from '../../../src/config/workerConfig';
import { ENVIRONMENT_FIELD_PATHS } from '../../../src/domain/environmentFields';
import { resolveScenarios } from '../../../src/scenarios/resolveScenarios';
import { ENVIRONMENT_FIELD_NAMES, prototypeVariant, refusalText, VARIANT_KINDS } from '../../support/prototypeVariants';
import { tempDir } from '../../support/tempDir';

let dir: string;
let configFile: string;
const env = () => ({ HARDENLAB_HOME: dir, HOME: dir });

beforeAll(async () => {
  dir = await tempDir('hardenlab-proto-');
  configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, stringify({ experiment: { cluster: { provider: 'local' } } }));
});

test('the workflow code names the same environment fields as the trust table', () => {
  expect([...ENVIRONMENT_FIELD_PATHS]).toEqual(ENVIRONMENT_FIELDS.map((f) => f.field));
});

test('the worker config alone validates (the control: what the variants add is what is refused)', async () => {
  const result = await validateCommand({ config: configFile, input: JSON.parse('{"repetitions":2}') }, env());
  expect(result.text).toMatch(/^valid:/);
});

test('every prototype variant over every environment field is refused by validate, naming the key', async () => {
  const value = fc.oneof(
    fc.constant('true'),
    fc.constant('"http://127.0.0.1:9/"'),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  );
  const design = fc.option(fc.record({ repetitions: fc.integer({ min: 1, max: 3 }), seed: fc.nat() }, { requiredKeys: [] }), {
    nil: undefined,
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ENVIRONMENT_FIELD_NAMES),
      fc.constantFrom(...VARIANT_KINDS),
      value,
      design,
      async (field, kind, valueJson, extra) => {
        const variant = prototypeVariant(kind, field, valueJson, extra);
        const result = await validateCommand({ config: configFile, input: JSON.parse(variant.json) }, env());
        expect(result.ok).toBe(false);
        expect(result.text).toContain(refusalText(variant));
      },
    ),
    { numRuns: 400 },
  );
  // And every field with every kind, whatever the generator drew.
  for (const field of ENVIRONMENT_FIELD_NAMES) {
    for (const kind of VARIANT_KINDS) {
      const variant = prototypeVariant(kind, field, 'true');
      const result = await validateCommand({ config: configFile, input: JSON.parse(variant.json) }, env());
      expect([field, kind, result.ok, result.text.includes(refusalText(variant))]).toEqual([field, kind, false, true]);
    }
  }
});

test("the issue's exact input, as JSON and as a YAML input file, is refused", async () => {
  const issue = '{"__proto__":{"tools":{"kubeHunter":{"modes":["remote"],"active":true}}}}';
  const viaJson = await validateCommand({ config: configFile, input: JSON.parse(issue) }, env());
  expect(viaJson).toEqual({ ok: false, text: expect.stringContaining('__proto__: the key "__proto__" is not allowed') });
  const file = path.join(dir, 'input.yaml');
  await fs.writeFile(file, '__proto__:\n  tools:\n    kubeHunter:\n      active: true\n');
  const viaYaml = await validateCommand({ config: configFile, inputFile: file }, env());
  expect(viaYaml).toEqual({ ok: false, text: expect.stringContaining('__proto__: the key "__proto__" is not allowed') });
});

test('mergeConfig copies own properties only, into objects without a prototype', () => {
  const merged = mergeConfig(
    { tools: { kubeHunter: { active: false } } },
    JSON.parse('{"__proto__":{"polluted":1},"tools":{"constructor":{"prototype":{"x":1}},"kubeHunter":{"__proto__":{"active":true}}}}'),
  ) as Record<string, never>;
  expect(Object.getPrototypeOf(merged)).toBeNull();
  expect(JSON.parse(JSON.stringify(merged))).toEqual({ tools: { kubeHunter: { active: false } } });
  expect((merged.tools as unknown as { kubeHunter: { active: boolean } }).kubeHunter.active).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('a worker config with a prototype key is refused, naming the file and the key', async () => {
  const file = path.join(dir, 'proto-config.yaml');
  await fs.writeFile(file, 'experiment:\n  tools:\n    __proto__:\n      kubeHunter: { active: true }\n');
  const error = await loadWorkerConfig({ HARDENLAB_CONFIG: file }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  expect((error as Error).message).toContain(`config file ${file}: experiment.tools.__proto__: the key "__proto__" is not allowed`);
});

test('scenario and pack files with a prototype key are refused, naming the file and where', async () => {
  const configDir = await tempDir('hardenlab-proto-scenarios-');
  await fs.mkdir(path.join(configDir, 'scenarios'));
  await fs.writeFile(
    path.join(configDir, 'scenarios', 'bad.yaml'),
    'packs: [resource-limits]\nconstructor:\n  prototype: { tools: [kube-hunter] }\n',
  );
  const scenario = await resolveScenarios(['bad'], { configDir, inSecurityTools: false });
  expect(scenario).toEqual({
    ok: false,
    errors: [expect.objectContaining({ field: `${path.join(configDir, 'scenarios', 'bad.yaml')}: constructor` })],
  });

  await fs.mkdir(path.join(configDir, 'packs', 'evil'), { recursive: true });
  await fs.writeFile(path.join(configDir, 'scenarios', 'packed.yaml'), 'packs: [evil]\n');
  await fs.writeFile(
    path.join(configDir, 'packs', 'evil', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  __proto__: { namespace: kube-system }\n',
  );
  const pack = await resolveScenarios(['packed'], { configDir, inSecurityTools: false });
  expect(pack.ok ? [] : pack.errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
    `${path.join(configDir, 'packs', 'evil', 'cm.yaml')} document 1: metadata.__proto__: the key "__proto__" is not allowed: it would reach the object's prototype instead of a field of its own`,
  ]);
});
