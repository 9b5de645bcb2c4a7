// Lint: TypeScript recommended everywhere, plus the determinism fence around workflow code (workflows/ and the
// src/domain modules it imports): value imports only from an allow-list, *types* of anything else; no dynamic
// import, no Node built-ins, no timers, network, process or global object (Temporal's sandbox is not a
// security boundary: these would run, and break replay, at some later time).
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noBuiltins = (why) => nodeBuiltins.map((name) => ({ name, message: `${why}: no Node built-ins (do I/O in an activity).` }));

const restrictedGlobals = [
  ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'].map((name) => ({ name, message: 'Use sleep() or condition() from @temporalio/workflow.' })),
  ...['fetch', 'XMLHttpRequest', 'WebSocket'].map((name) => ({ name, message: 'No network in workflow code: call an activity.' })),
  ...['globalThis', 'global', 'window', 'self'].map((name) => ({ name, message: 'No global object in workflow code (it reaches timers, process and I/O).' })),
  { name: 'process', message: 'No process in workflow code.' },
  { name: 'require', message: 'No require in workflow code.' },
];

/** Rules shared by everything that runs inside a workflow. */
const deterministic = {
  'no-restricted-globals': ['error', ...restrictedGlobals],
  'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded generator (src/domain/plan.ts).' }],
  'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'No dynamic import() in workflow code: import statically from the allow-list.' }],
  'no-eval': 'error',
  'no-new-func': 'error',
};

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
      ...deterministic,
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noBuiltins('Workflows are deterministic'),
          patterns: [
            {
              // The allow-list for value imports: the workflow SDK, other workflow files, src/domain modules.
              regex: '^(?!@temporalio/workflow$|\\./[\\w-][\\w.-]*$|\\.\\./src/domain/[\\w-][\\w.-]*$)',
              message: 'Workflows import values only from @temporalio/workflow, other workflow files and src/domain; use `import type` for anything else (activities, worker, src/kube, src/config, …).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Workflows import src/domain: it stays pure data and functions, without zod or Node built-ins.
    files: ['src/domain/**/*.ts'],
    rules: {
      ...deterministic,
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noBuiltins('src/domain runs inside workflows'),
          patterns: [
            {
              regex: '^(?!\\./[\\w-][\\w.-]*$)',
              message: 'src/domain runs inside workflows: value imports only from other src/domain modules (schemas with zod live in src/config); `import type` for anything else.',
              allowTypeImports: true,
            },
          ],
        },
      ],
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
