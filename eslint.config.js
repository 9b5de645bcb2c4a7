// Lint: TypeScript recommended everywhere, plus the determinism fence around workflows/:
// workflow code may import only @temporalio/workflow, pure domain modules, and *types* of anything else.
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.hardenlab/', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic: no Node built-ins (do I/O in an activity).' })),
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\.{1,2}/|\\.\\./src/domain/)',
              message: 'Workflows import only @temporalio/workflow, other workflow files and src/domain; use `import type` for anything else.',
              allowTypeImports: true,
            },
            {
              group: ['../activities', '../activities/*', '../src/*/**', '!../src/domain/**'],
              message: 'Workflows import activities and non-domain modules as types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() in a loop.' }, { name: 'process', message: 'No process in workflows.' }, { name: 'require', message: 'No require in workflows.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded generator (src/domain/plan.ts).' }],
    },
  },
  {
    files: ['src/analysis/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@temporalio/*', 'ssh2', '@kubernetes/*', 'node:child_process', 'child_process', 'node:net', 'node:http', 'node:https', 'node:dgram'], message: 'The analysis core is pure: no Temporal, network or process code.' },
          ],
        },
      ],
    },
  },
);
