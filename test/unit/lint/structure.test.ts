/**
 * The structure rule (issue #26), drawn by dependency-cruiser from .dependency-cruiser.cjs: no import goes up a
 * floor, and no circle of imports joins two rooms (folders) or two modules. The second test gives the same rules a
 * tree that breaks each of them once, so a config that stopped matching anything would fail here too.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../support/tempDir';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const CONFIG = path.join(root, '.dependency-cruiser.cjs');

/** depcruise's time: 7 s on a quiet machine, 42-71 s at a load of 10-19 on two cores (the fast tier beside other work). */
const CRUISE_MS = 120_000;

async function cruise(cwd: string, folders: string[]): Promise<{ code: number; text: string }> {
  const args = [...folders, '--config', CONFIG, '--output-type', 'err'];
  try {
    const { stdout } = await run(depcruise, args, { cwd, timeout: CRUISE_MS });
    return { code: 0, text: stdout };
  } catch (err) {
    const failed = err as { code?: number; killed?: boolean; stdout?: string; stderr?: string };
    const killed = failed.killed ? `depcruise killed after ${CRUISE_MS / 1000} s\n` : '';
    return { code: failed.code ?? -1, text: `${killed}${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

test('the code keeps its floors, and no two rooms or modules import each other in a circle', async () => {
  const { code, text } = await cruise(root, ['src', 'activities', 'workflows', 'worker']);
  expect(text).toContain('no dependency violations found');
  expect(code).toBe(0);
}, CRUISE_MS + 30_000);

test('the rules catch an upward import, a circle of rooms, a circle of modules and a folder without a floor', async () => {
  const dir = await tempDir('hardenlab-structure-');
  const files: Record<string, string> = {
    // core imports services: up a floor, and a circle between the rooms config and scenarios.
    'src/config/design.ts': "import { pack } from '../scenarios/pack';\nexport const design = () => pack;\n",
    'src/scenarios/pack.ts': "import { design } from '../config/design';\nexport const pack = () => design;\n",
    // two modules of one room importing each other.
    'src/kube/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
    'src/kube/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    'src/gadgets/thing.ts': "import { a } from '../kube/a';\nexport const thing = a;\n",
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs' } }),
  };
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), text);
  }
  const { code, text } = await cruise(dir, ['src']);
  expect(code).not.toBe(0);
  expect(text).toMatch(/no-up-from-core: src\/config\/design\.ts → src\/scenarios\/pack\.ts/);
  expect(text).toMatch(/no-room-cycles: src\/(config|scenarios) →/);
  expect(text).toMatch(/no-module-cycles: src\/kube\/(a|b)\.ts →/);
  expect(text).toMatch(/every-folder-on-a-floor: src\/gadgets\/thing\.ts → src\/kube\/a\.ts/);
}, CRUISE_MS + 30_000);
