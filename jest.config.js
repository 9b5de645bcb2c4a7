// Four projects: pure/unit tests, workflow tests on the time-skipping server, integration tests that need
// no test bed (real Temporal dev server, sh, Chromium, the built CLI), and integration tests on the real
// test bed (kube-apiserver with KWOK nodes, sshd + sysstat hosts), which alone start it.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

// Integration files that never touch the test bed: they run in the fast tier (`npm run test:fast`).
// A new integration file lands in the bed project unless it is listed here.
const noBed = ['cli', 'report', 'samplerScript'].map((name) => `<rootDir>/test/integration/${name}.test.ts`);

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'integration-nobed', testMatch: noBed },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...noBed.map((p) => p.replace('<rootDir>', '').replace(/\./g, '\\.') + '$')],
      // Starts the test bed (or reuses a running one) once per run; stops it only if it started it.
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
};
