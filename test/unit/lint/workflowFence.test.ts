/**
 * The determinism fence is a lint rule: prove it rejects what would break replay in workflow code and
 * what would make the analysis core impure, and accepts the real workflow files.
 */
import { ESLint } from 'eslint';
import * as path from 'node:path';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function messagesFor(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** The lint messages for a probe file at `file` contain the expected words. */
const fenced = (file: string) => async (code: string, expected: string) => {
  const messages = await messagesFor(`${code}\nexport {};\n`, file);
  expect(messages.join('\n')).toContain(expected);
};

test.each([
  ["import * as fs from 'node:fs';", 'Node built-ins'],
  ["import { z } from 'zod';", 'import values only from @temporalio/workflow'],
  ["import { ArtifactStore } from '../src/store/artifactStore';", 'use `import type`'],
  ["import { createActivities } from '../activities';", 'use `import type`'],
  // Holes the fence once had: relative imports outside the allow-list passed as "other workflow files".
  ["import { createHardenlabWorker } from '../worker/createWorker';", 'use `import type`'],
  ["import { loadKubeClient } from '../src/kube';", 'use `import type`'],
  ["import { experimentInputSchema } from '../src/config/experiment';", 'use `import type`'],
  ["import { nodeMapSchema } from '../src/domain/../config/nodeMap';", 'use `import type`'],
  ["export { createActivities } from '../activities';", 'use `import type`'],
  ["export const load = () => import('node:fs');", 'No dynamic import()'],
  ["export const load = () => import('../activities');", 'No dynamic import()'],
  ["export const get = () => fetch('http://127.0.0.1:8233');", 'No network'],
  ['export const wait = () => globalThis.setTimeout(() => undefined, 10);', 'No global object'],
  ["export const wait = () => globalThis['setInterval'](() => undefined, 10);", 'No global object'],
  ['export const env = () => globalThis.process.env;', 'No global object'],
  ['export const g = () => global;', 'No global object'],
  ['export const env = () => process.env;', 'No process'],
  ["export const f = () => new Function('return this')();", 'no-new-func'],
  ['export const roll = () => Math.random();', 'seeded generator'],
  ['export const wait = () => setTimeout(() => undefined, 10);', 'sleep()'],
  ['export const wait = () => setImmediate(() => undefined);', 'sleep()'],
])('workflow code may not use %s', fenced('workflows/probe.ts'));

test.each([
  ["import { z } from 'zod';", 'src/domain runs inside workflows'],
  ["import * as fs from 'node:fs';", 'no Node built-ins'],
  ["import { createHash } from 'crypto';", 'no Node built-ins'],
  ["import { experimentInputSchema } from '../config/experiment';", 'src/domain runs inside workflows'],
  ["export const load = () => import('zod');", 'No dynamic import()'],
  ['export const now = () => process.hrtime();', 'No process'],
])('src/domain, which workflows import, may not use %s', fenced('src/domain/probe.ts'));

test('type-only imports and domain modules are allowed in workflows', async () => {
  const code = [
    "import type { HardenlabActivities } from '../src/domain/activities';",
    "import type { ExperimentConfig } from '../src/config/experiment';",
    "import type { createHardenlabWorker } from '../worker/createWorker';",
    "import { proxyActivities } from '@temporalio/workflow';",
    "import { planRepetitions } from '../src/domain/plan';",
    "import { PATCHES } from './versions';",
    'export type W = typeof createHardenlabWorker;',
    'export const a = proxyActivities<HardenlabActivities>({ startToCloseTimeout: 1000 });',
    'export const b = (c: ExperimentConfig) => planRepetitions(c.scenarios, 1, PATCHES.namedActivityIds.length);',
  ].join('\n');
  expect(await messagesFor(code, 'workflows/probe.ts')).toEqual([]);
});

test('src/domain modules import each other, and only types from elsewhere', async () => {
  const code = ["import { shortHash } from './naming';", "import type { NodeEntry } from '../config/nodeMap';", 'export const f = (n: NodeEntry) => shortHash(n.host);'].join('\n');
  expect(await messagesFor(code, 'src/domain/probe.ts')).toEqual([]);
});

test('the analysis core may not import Temporal, network or process code', async () => {
  for (const code of ["import { Context } from '@temporalio/activity';", "import { Client } from 'ssh2';", "import { spawn } from 'node:child_process';"]) {
    const messages = await messagesFor(`${code}\nexport {};\n`, 'src/analysis/probe.ts');
    expect(messages.join('\n')).toContain('pure');
  }
});

test('the real workflow and domain files pass the fence', async () => {
  const results = await eslint.lintFiles(['workflows/**/*.ts', 'src/domain/**/*.ts']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
  expect(results.length).toBeGreaterThanOrEqual(13);
  expect(problems).toEqual([]);
});
