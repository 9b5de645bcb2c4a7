/**
 * The attack battery's pods and its reading of the API server's answers (the outcomes themselves are the
 * cluster's: test/integration/scenarios.test.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { attackPod, compliantPod, POD_ATTACKS, refusedByPolicy } from '../../../src/kube/battery';
import { KubeTransientError } from '../../../src/kube/kubeFailures';

const scope = { runId: 'run-1', namespace: 'hl-base-r1-00000000' };

test('each attack pod differs from the compliant pod in its own respect only', () => {
  const base = JSON.stringify(compliantPod(scope, 'x').spec);
  const specs = POD_ATTACKS.map((a) => JSON.stringify(attackPod(scope, a).spec));
  expect(new Set(specs).size).toBe(POD_ATTACKS.length);
  for (const spec of specs) expect(spec).not.toBe(base);
  expect(attackPod(scope, POD_ATTACKS.find((a) => a.id === 'host-pid')!).spec).toEqual({ ...compliantPod(scope, 'x').spec, hostPID: true });
  expect(POD_ATTACKS.map((a) => a.id)).toEqual(['privileged-pod', 'host-path-root', 'host-network', 'host-pid', 'run-as-root', 'cap-net-raw', 'cap-sys-admin', 'automount-sa-token']);
});

test('RBAC, Pod Security and admission-policy refusals are denials; impersonation refused and other failures are errors', () => {
  const failure = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);
  expect(refusedByPolicy(failure('KubeForbidden', 'pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged'))).toBe(true);
  expect(refusedByPolicy(failure('KubeForbidden', 'secrets is forbidden: User "tester" cannot list resource "secrets"'))).toBe(true);
  expect(refusedByPolicy(failure('KubeInvalidManifest', "pods \"p\" is forbidden: ValidatingAdmissionPolicy 'x' with binding 'x' denied request: no"))).toBe(true);
  expect(refusedByPolicy(failure('KubeForbidden', 'users "tester" is forbidden: User "worker" cannot impersonate resource "users"'))).toBe(false);
  expect(refusedByPolicy(failure('KubeInvalidManifest', 'Pod "p" is invalid: spec.containers: Required value'))).toBe(false);
  expect(refusedByPolicy(new KubeTransientError('KubeUnreachable', 'connect ECONNREFUSED'))).toBe(false);
});
