// Seven projects: pure/unit tests; workflow tests on the time-skipping server; integration tests that need no
// test bed (real Temporal dev server, sh, Chromium, the built CLI); integration tests on the real test bed
// (kube-apiserver with KWOK nodes, sshd + sysstat hosts), which may run in parallel with each other (own task
// queues, namespaces, dev servers, temp folders); the fault tests, which stop the apiserver and
// sshd of a KWOK test bed of their own; the real-node test, with system containers of its own; and the lane
// isolation test. Only the integration project starts the shared KWOK lane's test bed, in a data folder of its
// own (.hardenlab/lanes/integration) on ports and addresses of its own: never a user's.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] };
// The node environment plus the removal of the temp folders tests make with test/support/tempDir.ts.
const common = { testEnvironment: '<rootDir>/test/support/tempDirEnvironment.ts', transform, moduleFileExtensions: ['ts', 'js', 'json'] };
const integrationFile = (name) => `<rootDir>/test/integration/${name}.test.ts`;
const ignoring = (files) => ['/node_modules/', ...files.map((p) => `${p.replace('<rootDir>', '').replace(/\./g, '\\.')}$`)];

// Integration files that never touch the test bed: they run in the fast tier (`npm run test:fast`).
// A new integration file lands in the test bed's parallel project unless it is listed here or below.
const noBed = ['artifacts', 'cli', 'dev', 'gatekeeperPolicies', 'httpLoad', 'report', 'reportScreens', 'samplerScript', 'teams', 'trust', 'validate']
  .map(integrationFile);
// Each with a test bed of its own (other ports, node addresses and data folder): the fault tests stop their own
// apiserver and sshd (a KWOK instance they start); the real-node test boots three system containers. The three
// run side by side (test/runner/run-tests.js).
const faults = [integrationFile('faults')];
const realNodes = ['realNodes', 'realNodesNetworkPolicy', 'realNodesLoadRun'].map(integrationFile);
// Node access through the Kubernetes API and the policy engine on real nodes, on a bed of their own, in a lane beside the real-node tests'.
const nodeAccess = [integrationFile('nodeAccess'), integrationFile('nodeAccessRun'), integrationFile('policyEngine')];
// The cgroup v2 proof: a Debian guest under QEMU (TCG) runs the real-node test bed inside; its own lane, after the
// others (test/runner/run-tests.js), since under TCG it takes minutes and both cores.
const vm = ['<rootDir>/test/vm/**/*.test.ts'];
// Runs the shared lane's set-up beside a test bed in a default data folder (a user's, or one it starts on the
// default ports) and checks that bed is left as found. Run in the fault tests' lane (test/runner/run-tests.js).
const isolation = [integrationFile('laneIsolation')];
const testbed = {
  // Starts the test bed (or reuses a running one) once per run; stops it only if it started it.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
};

// The real-node lanes: their files share one bed (test/support/realLane.ts), stopped and checked once at the end.
const realLane = { globalTeardown: '<rootDir>/test/support/realLaneTeardown.ts' };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'integration-nobed', testMatch: noBed },
    { ...common, ...testbed, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], testPathIgnorePatterns: ignoring([...noBed, ...faults, ...realNodes, ...nodeAccess, ...isolation]) },
    { ...common, displayName: 'integration-faults', testMatch: faults },
    { ...common, ...realLane, displayName: 'integration-realnodes', testMatch: realNodes },
    { ...common, ...realLane, displayName: 'integration-nodeaccess', testMatch: nodeAccess },
    { ...common, displayName: 'vm', testMatch: vm },
    { ...common, displayName: 'integration-isolation', testMatch: isolation },
  ],
};
