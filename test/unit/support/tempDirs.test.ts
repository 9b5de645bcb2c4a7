/**
 * The test suite leaves nothing in the temp folder. Tests make temp folders with tempDir()/tempDirSync()
 * (test/support/tempDir.ts), which the jest environment removes when the file ends; this guard fails, naming
 * file and line, on any other mkdtemp, mkdtempSync or tmpdir in test/, except in the files below, which remove
 * their folders themselves (each with as many uses as listed, so a new one there fails too).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { removeTempDirs, tempDir } from '../../support/tempDir';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../../..');
const HELPER = 'test/support/tempDir.ts';
const GUARD = 'test/unit/support/tempDirs.test.ts';

/** Files that remove their temp folders themselves: lines using mkdtemp/tmpdir, and why that is reliable. */
const SELF_CLEANING: Record<string, [lines: number, reason: string]> = {
  'test/bench/analysis.ts': [1, 'a bench script, not a jest file: removes its folder in finally'],
  'test/bench/churnRecord.ts': [1, 'a bench script, not a jest file: removes its folder in finally'],
  'test/bench/collect.ts': [1, 'a bench script, not a jest file: removes its folder in finally'],
  'test/support/browser.ts': [1, "Chromium's profile: removed by close(), or at once when the launch fails"],
  'test/support/hardenlabStack.ts': [1, "the stack's data folder: removed by stop() after the server stops"],
  'test/support/sshHost.ts': [1, "the sshd's folder: removed by remove() after sshd stops"],
  'test/integration/cluster.test.ts': [1, 'removed in afterAll'],
  'test/integration/dev.test.ts': [2, 'removed in afterAll after dev stops, and in finally'],
  'test/integration/faults.test.ts': [1, 'removed in afterAll after its test bed is down (kept with HARDENLAB_KEEP_TEST_HOME)'],
  'test/integration/healthCheck.test.ts': [1, 'removed in afterAll after its sshd hosts'],
  'test/integration/nodeTakeover.test.ts': [1, 'removed in afterAll'],
  'test/integration/pipeline.test.ts': [1, 'removed in finally after its worker stops'],
  'test/integration/samplerScript.test.ts': [1, 'removed in afterAll after the sampler stops'],
  'test/integration/sampling.test.ts': [1, 'removed in afterAll after its sshd hosts'],
  'test/integration/scenarios.test.ts': [1, 'removed in afterAll'],
  'test/integration/secrets.test.ts': [1, 'removed in afterAll after its worker stops'],
  'test/integration/testbedDown.test.ts': [1, "the test bed's home: removed in afterAll after testbed down"],
  'test/integration/teams.test.ts': [1, 'removed in afterAll after the team server is down'],
  'test/integration/tools.test.ts': [1, 'removed in afterAll'],
  'test/integration/validate.test.ts': [2, 'removed in afterAll; the second is inside that folder'],
  'test/unit/badInput/configFiles.test.ts': [1, 'removed in afterAll'],
  'test/unit/config/trust.test.ts': [1, 'removed in afterAll'],
  'test/unit/kube/kubeFailures.test.ts': [1, 'removed in afterAll'],
  'test/unit/kube/linode.test.ts': [2, 'made in beforeEach, removed in afterEach'],
  'test/unit/sampling/samplingScripts.test.ts': [2, 'removed in finally'],
  'test/unit/scenarios/resolve.test.ts': [1, 'made in beforeEach, removed in afterEach'],
  'test/unit/ssh/privateDir.test.ts': [1, 'made in beforeEach, removed in afterEach'],
  'test/unit/temporal/codec.test.ts': [1, 'removed in afterAll'],
  'test/unit/tools/kubeBenchNode.test.ts': [1, 'removed in afterAll'],
  'test/workflows/scenarios.test.ts': [1, 'removed in afterAll'],
};

const NAMES = new Set(['mkdtemp', 'mkdtempSync', 'tmpdir']);

/** The lines (1-based) that use mkdtemp, mkdtempSync or tmpdir other than in an import. */
function tempDirUses(source: string, fileName: string): number[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const lines = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node) && NAMES.has(node.text)) lines.add(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...lines].sort((a, b) => a - b);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [full] : [];
  });
}

/** One message per use outside the helper that the allow-list does not cover exactly. */
function findStrays(files: { name: string; source: string }[], allowed: Record<string, [number, string]>): string[] {
  const strays: string[] = [];
  for (const { name, source } of files) {
    if (name === HELPER || name === GUARD) continue;
    const uses = tempDirUses(source, name);
    const permitted = allowed[name]?.[0] ?? 0;
    if (uses.length === permitted) continue;
    const text = source.split('\n');
    const why =
      permitted === 0
        ? 'use tempDir()/tempDirSync() from test/support/tempDir.ts'
        : `the allow-list in ${GUARD} permits ${permitted} in this file: use tempDir() for a new one, or update the count`;
    for (const line of uses) strays.push(`${name}:${line}: ${text[line - 1]!.trim()} (${why})`);
    if (uses.length === 0) strays.push(`${name}: allow-listed in ${GUARD} but uses no mkdtemp/tmpdir any more: remove the entry`);
  }
  return strays;
}

describe('temp folders in test sources', () => {
  test('no mkdtemp, mkdtempSync or tmpdir outside test/support/tempDir.ts and the allow-list', () => {
    const files = sourceFiles(path.join(root, 'test')).map((file) => ({
      name: path.relative(root, file),
      source: readFileSync(file, 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(100);
    expect(findStrays(files, SELF_CLEANING)).toEqual([]);
    const missing = Object.keys(SELF_CLEANING).filter((name) => !files.some((f) => f.name === name));
    expect(missing).toEqual([]);
  });

  test('the scan finds every form of the calls, names file and line, and holds allow-listed files to their count', () => {
    const planted = [
      "import { mkdtemp } from 'node:fs/promises';",
      "const a = await mkdtemp(join(os.tmpdir(), 'x-'));",
      '// a comment about mkdtemp is no call',
      "const b = fs.mkdtempSync('/tmp/y-');",
      "const c = require('node:os').tmpdir();",
      'const make = fsp.mkdtemp;',
    ].join('\n');
    expect(tempDirUses(planted, 'planted.ts')).toEqual([2, 4, 5, 6]);
    const strays = findStrays([{ name: 'test/unit/planted.test.ts', source: planted }], {});
    expect(strays).toHaveLength(4);
    expect(strays[0]).toBe(
      "test/unit/planted.test.ts:2: const a = await mkdtemp(join(os.tmpdir(), 'x-')); (use tempDir()/tempDirSync() from " +
        "test/support/tempDir.ts)",
    );
    expect(findStrays([{ name: 'test/unit/planted.test.ts', source: planted }], { 'test/unit/planted.test.ts': [4, 'test'] })).toEqual([]);
    expect(findStrays([{ name: 'test/unit/planted.test.ts', source: planted }], { 'test/unit/planted.test.ts': [3, 'test'] })[0]).toContain(
      'permits 3 in this file',
    );
    expect(findStrays([{ name: 'test/unit/planted.test.ts', source: '' }], { 'test/unit/planted.test.ts': [1, 'test'] })).toEqual([
      `test/unit/planted.test.ts: allow-listed in ${GUARD} but uses no mkdtemp/tmpdir any more: remove the entry`,
    ]);
  });
});

describe('tempDir', () => {
  test('makes a fresh folder under the temp folder with the prefix, and refuses other prefixes', async () => {
    const dir = await tempDir('hardenlab-tempdir-unit-');
    expect(path.dirname(dir)).toBe(os.tmpdir());
    expect(path.basename(dir)).toMatch(/^hardenlab-tempdir-unit-\w{6}$/);
    expect(existsSync(dir)).toBe(true);
    await expect(tempDir('hl-')).rejects.toThrow('temp folder prefix "hl-": expected hardenlab-<name>-');
  });

  test('HARDENLAB_KEEP_TEST_HOME keeps the folders', async () => {
    const dir = await tempDir('hardenlab-tempdir-keep-');
    const logged: string[] = [];
    await removeTempDirs([dir], true, (line) => logged.push(line));
    expect(existsSync(dir)).toBe(true);
    expect(logged).toEqual([`[tempDir] kept ${dir} (HARDENLAB_KEEP_TEST_HOME)`]);
    await removeTempDirs([dir], false);
    expect(existsSync(dir)).toBe(false);
  });

  test("the jest environment removes a file's folders after its afterAll hooks, not before", async () => {
    const report = path.join(await tempDir('hardenlab-tempdir-probe-'), 'report.json');
    // The unit project as jest.config.js configures it (so also its environment), run on the probe file alone.
    const unit = (createRequire(__filename)(path.join(root, 'jest.config.js')) as { projects: { displayName: string }[] }).projects.find(
      (p) => p.displayName === 'unit',
    );
    const config = { ...unit, rootDir: root, testMatch: ['<rootDir>/test/unit/support/tempDirProbe.ts'] };
    const env = { ...process.env, TEMP_DIR_PROBE_REPORT: report, HARDENLAB_KEEP_TEST_HOME: '' };
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--ci'],
      { cwd: root, env, encoding: 'utf8', timeout: 100_000 },
    );
    expect(`${run.status}\n${run.stderr}`).toMatch(/^0\n[\s\S]*Tests:\s+1 passed, 1 total/);
    const { dirs, existedInAfterAll } = JSON.parse(readFileSync(report, 'utf8')) as { dirs: string[]; existedInAfterAll: boolean[] };
    expect(dirs.map((dir) => path.basename(dir).slice(0, -6))).toEqual(['hardenlab-probe-top-', 'hardenlab-probe-test-']);
    expect(existedInAfterAll).toEqual([true, true]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
