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

test.each([
  ["import * as fs from 'node:fs';", 'Node built-ins'],
  ["import { z } from 'zod';", 'import only @temporalio/workflow'],
  ["import { ArtifactStore } from '../src/store/artifactStore';", 'as types only'],
  ["import { createActivities } from '../activities';", 'as types only'],
  ['export const roll = () => Math.random();', 'seeded generator'],
  ['export const wait = () => setTimeout(() => undefined, 10);', 'sleep()'],
])('workflow code may not use %s', async (code, expected) => {
  const messages = await messagesFor(`${code}\nexport {};\n`, 'workflows/probe.ts');
  expect(messages.join('\n')).toContain(expected);
});

test('type-only imports and domain modules are allowed in workflows', async () => {
  const code = [
    "import type { HardenlabActivities } from '../src/domain/activities';",
    "import type { ExperimentConfig } from '../src/config/experiment';",
    "import { proxyActivities } from '@temporalio/workflow';",
    "import { planRepetitions } from '../src/domain/plan';",
    'export const a = proxyActivities<HardenlabActivities>({ startToCloseTimeout: 1000 });',
    'export const b = (c: ExperimentConfig) => planRepetitions(c.scenarios, 1, 1);',
  ].join('\n');
  expect(await messagesFor(code, 'workflows/probe.ts')).toEqual([]);
});

test('the analysis core may not import Temporal, network or process code', async () => {
  for (const code of ["import { Context } from '@temporalio/activity';", "import { Client } from 'ssh2';", "import { spawn } from 'node:child_process';"]) {
    const messages = await messagesFor(`${code}\nexport {};\n`, 'src/analysis/probe.ts');
    expect(messages.join('\n')).toContain('pure');
  }
});

test('the real workflow files pass the fence', async () => {
  const results = await eslint.lintFiles(['workflows/**/*.ts']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
  expect(results.length).toBeGreaterThanOrEqual(6);
  expect(problems).toEqual([]);
});
