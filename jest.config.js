// Six projects: pure/unit tests; workflow tests on the time-skipping server; integration tests that need no
// test bed (real Temporal dev server, sh, Chromium, the built CLI); integration tests on the real test bed
// (kube-apiserver with KWOK nodes, sshd + sysstat hosts), which may run in parallel with each other (own task
// queues, namespaces, dev servers, temp folders); the fault tests, which stop the test bed's apiserver and
// sshd and so run without the other test-bed files; and the real-node test, with a test bed of its own.
// Only the integration and fault projects start the KWOK test bed.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };
const integrationFile = (name) => `<rootDir>/test/integration/${name}.test.ts`;
const ignoring = (files) => ['/node_modules/', ...files.map((p) => `${p.replace('<rootDir>', '').replace(/\./g, '\\.')}$`)];

// Integration files that never touch the test bed: they run in the fast tier (`npm run test:fast`).
// A new integration file lands in the test bed's parallel project unless it is listed here or below.
const noBed = ['cli', 'dev', 'report', 'reportScreens', 'samplerScript', 'teams', 'validate'].map(integrationFile);
// After the parallel ones: the fault tests stop the test bed's apiserver and sshd, so no other test-bed file
// may run beside them. The real-node test needs no KWOK test bed (it boots three system containers with their
// own control plane, ports and addresses), so it runs beside the fault tests, which mostly wait; its CPU
// assertions compare its own nodes with each other (cgroup-accounted through lxcfs), not with an idle host.
const faults = [integrationFile('faults')];
const realNodes = [integrationFile('realNodes')];
const testbed = {
  // Starts the test bed (or reuses a running one) once per run; stops it only if it started it.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'integration-nobed', testMatch: noBed },
    { ...common, ...testbed, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], testPathIgnorePatterns: ignoring([...noBed, ...faults, ...realNodes]) },
    { ...common, ...testbed, displayName: 'integration-faults', testMatch: faults },
    { ...common, displayName: 'integration-realnodes', testMatch: realNodes },
  ],
};
