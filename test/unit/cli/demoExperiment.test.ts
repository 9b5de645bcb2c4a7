/** Issue 25, low: the demo keeps the user's tools settings (merged), replacing only the environment. */
import { demoExperiment } from '../../../src/cli/commands/demoCommand';

test('the user’s tools section is merged with the demo’s subnet-probe permission, not replaced', () => {
  const user = {
    repetitions: 2,
    tools: {
      kubeBench: { enabled: false, binaryPath: '/opt/kube-bench' },
      kubeHunter: { modes: ['remote'], active: true, subnetProbes: { allowed: false } },
    },
    cluster: { provider: 'linode', linode: { tokenEnv: 'X' } },
  };
  const experiment = JSON.parse(JSON.stringify(demoExperiment(user, 'hardenlab-nodes')));
  expect(experiment).toEqual({
    repetitions: 2,
    cluster: { provider: 'local', linode: {} },
    tools: {
      kubeBench: { enabled: false },
      kubeHunter: { modes: ['remote'], subnetProbes: { allowed: true, closedNamespace: 'hardenlab-nodes' } },
    },
  });
  // Without a closed namespace (KWOK nodes), no probe permission is added, and the design stays.
  expect(JSON.parse(JSON.stringify(demoExperiment(user, undefined))).tools).toEqual({
    kubeBench: { enabled: false },
    kubeHunter: { modes: ['remote'] },
  });
});

test('`demo --node-access kubernetes` gives the demo worker kubernetes access; a user config cannot slip it in otherwise', () => {
  const user = { nodeAccess: 'kubernetes', nodeAccessImage: 'evil.example/x:1' };
  expect(demoExperiment(user, undefined)).toEqual({ cluster: { provider: 'local' } });
  expect(demoExperiment({}, undefined, 'kubernetes')).toEqual({ cluster: { provider: 'local' }, nodeAccess: 'kubernetes' });
});
