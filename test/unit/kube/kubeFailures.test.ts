import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { loadKubeClient } from '../../../src/kube/client';
import { classifyKubeError, failureTypeOf, KubeFailure, KubeTransient, KubeTransientError } from '../../../src/kube/kubeFailures';

const op = { verb: 'apply', resource: 'apps/v1 Deployment "web"', namespace: 'ns1', server: 'https://127.0.0.1:6443', context: 'sim' };

/** The errors @kubernetes/client-node 1.4 really throws, built with its own classes. */
async function clientNode() {
  return import('@kubernetes/client-node');
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

describe('classifyKubeError', () => {
  it('makes 401, 403, 400 and 422 non-retryable, naming the operation and the server reason', async () => {
    const { ApiException } = await clientNode();
    const cases: [number, string, string][] = [
      [401, 'Unauthorized', KubeFailure.KubeUnauthorized],
      [403, 'Forbidden', KubeFailure.KubeForbidden],
      [400, 'BadRequest', KubeFailure.KubeInvalidManifest],
      [422, 'Invalid', KubeFailure.KubeInvalidManifest],
    ];
    for (const [code, reason, type] of cases) {
      const err = classifyKubeError(new ApiException(code, 'Unsuccessful HTTP Request', status(code, reason, `server says ${reason}`), {}), op);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect(failureTypeOf(err)).toBe(type);
      expect(err.message).toContain('apply apps/v1 Deployment "web" in namespace "ns1"');
      expect(err.message).toContain(`server says ${reason}`);
      expect(err.message).toContain('context "sim"');
    }
  });

  it('makes 5xx, 429, 409 and 504 retryable plain errors', async () => {
    const { ApiException } = await clientNode();
    const expected: [number, string][] = [
      [500, KubeTransient.ServerError],
      [503, KubeTransient.ServerError],
      [429, KubeTransient.Throttled],
      [409, KubeTransient.Conflict],
      [504, KubeTransient.Timeout],
    ];
    for (const [code, name] of expected) {
      const err = classifyKubeError(new ApiException(code, 'Unsuccessful HTTP Request', status(code, 'x', 'busy'), {}), op);
      expect(err).toBeInstanceOf(KubeTransientError);
      expect(err).not.toBeInstanceOf(ApplicationFailure);
      expect(err.name).toBe(name);
    }
  });

  it('makes connection failures and timeouts retryable, TLS failures not', async () => {
    const { FetchError } = await clientNode();
    const refused = new FetchError('request to https://127.0.0.1:1/version failed, reason: connect ECONNREFUSED 127.0.0.1:1', 'system', {
      code: 'ECONNREFUSED',
    } as never);
    expect(classifyKubeError(refused, op).name).toBe(KubeTransient.Unreachable);
    const timedOut = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    expect(classifyKubeError(timedOut, op).name).toBe(KubeTransient.Timeout);
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(failureTypeOf(classifyKubeError(tls, op))).toBe(KubeFailure.KubeTlsError);
  });

  it('passes already classified errors through unchanged', () => {
    const inner = ApplicationFailure.nonRetryable('x', KubeFailure.KubeForbidden);
    expect(classifyKubeError(inner, op)).toBe(inner);
  });
});

describe('loadKubeClient', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-kube-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: "${server}", insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: not-a-real-token }
contexts:
- name: ctx-a
  context: { cluster: c1, user: u1 }
- name: ctx-b
  context: { cluster: c1, user: u1 }
current-context: ctx-a
`;

  it('names the missing kubeconfig file', async () => {
    const missing = path.join(dir, 'nope', 'kubeconfig');
    const err = await loadKubeClient({ kubeconfigPath: missing }).catch((e: unknown) => e);
    expect(failureTypeOf(err)).toBe(KubeFailure.KubeconfigMissing);
    expect((err as Error).message).toContain(missing);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('names the unknown context and the ones that exist', async () => {
    const file = path.join(dir, 'two-contexts');
    await fs.writeFile(file, kubeconfig('https://127.0.0.1:1'));
    const err = await loadKubeClient({ kubeconfigPath: file, context: 'ctx-z' }).catch((e: unknown) => e);
    expect(failureTypeOf(err)).toBe(KubeFailure.KubeContextUnknown);
    expect((err as Error).message).toMatch(/no context "ctx-z" \(available: "ctx-a", "ctx-b"\)/);
    const ok = await loadKubeClient({ kubeconfigPath: file, context: 'ctx-b' });
    expect(ok.context).toBe('ctx-b');
  });

  it('reports an unreachable API server as retryable, naming it', async () => {
    const file = path.join(dir, 'unreachable');
    await fs.writeFile(file, kubeconfig('https://127.0.0.1:1'));
    const client = await loadKubeClient({ kubeconfigPath: file });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeTransientError);
    expect((err as Error).name).toBe(KubeTransient.Unreachable);
    expect((err as Error).message).toContain('https://127.0.0.1:1');
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect((err as Error).message).not.toContain('not-a-real-token');
  });

  it('rejects an unparseable kubeconfig as invalid', async () => {
    const file = path.join(dir, 'garbage');
    await fs.writeFile(file, 'clusters: [ {');
    const err = await loadKubeClient({ kubeconfigPath: file }).catch((e: unknown) => e);
    expect(failureTypeOf(err)).toBe(KubeFailure.KubeconfigInvalid);
  });
});
