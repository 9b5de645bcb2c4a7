/** Issue 25, medium: the test user is substituted into every pack and impersonated by the battery: never a system: identity. */
import { validateExperiment } from '../../../src/config/experiment';

test.each([
  'system:admin',
  'system:serviceaccount:kube-system:default',
  'system:kube-controller-manager',
  'system:node:n1',
  'a:b',
  '',
  ' tester',
  'x'.repeat(65),
  '-lead',
  'te/st',
])('rbacUser %j is refused, naming the field', (rbacUser) => {
  const result = validateExperiment({ hardening: { rbacUser } });
  expect(result.ok).toBe(false);
  expect(!result.ok && result.errors.find((e) => e.field === 'hardening.rbacUser')?.message).toMatch(
    /without ':' \(so never a system: identity\)/,
  );
});

test.each(['tester', 'alice', 'alice@example.test', 'ci.user_2', 'x'.repeat(64)])(
  'rbacUser %j is a plain user name and accepted',
  (rbacUser) => {
    const result = validateExperiment({ hardening: { rbacUser } });
    expect(result.ok && result.config.hardening.rbacUser).toBe(rbacUser);
  },
);
