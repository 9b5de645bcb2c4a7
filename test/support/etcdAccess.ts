import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaryPaths, readVersions, TESTBED_UNPRIVILEGED_USER, type TestbedLayout } from '../../src/testbed';
import { etcdPki } from '../../src/testbed/etcdPki';

const exec = promisify(execFile);

/** What another local account gets when it writes a key straight into a test bed's etcd (bypassing admission). */
export interface ForeignWrite {
  /** curl's exit code and body for the plain-HTTP put, then for the https put without a client certificate. */
  plain: { code: number; body: string };
  tls: { code: number; body: string };
  /** Whether that account can read the test bed's keys (etcd's, the kubeconfig). */
  readable: string[];
  /** The key read back with the API server's own etcd certificate: 0 when no write landed. */
  keyCount: number;
  /** Positive control: the same read finds the cluster's `default` namespace, so the read itself works. */
  defaultNamespaceCount: number;
}

async function asOtherUser(command: string[]): Promise<{ code: number; body: string }> {
  try {
    const { stdout } = await exec('runuser', ['-u', TESTBED_UNPRIVILEGED_USER, '--', ...command], { timeout: 30_000 });
    return { code: 0, body: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, body: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function countKeys(layout: TestbedLayout, key: string): Promise<number> {
  const pki = etcdPki(layout);
  const { stdout } = await exec(
    binaryPaths(readVersions()).etcdctl,
    [
      `--endpoints=https://127.0.0.1:${layout.instance.ports.etcd}`,
      `--cacert=${pki.caCert}`,
      `--cert=${pki.apiServerClientCert}`,
      `--key=${pki.apiServerClientKey}`,
      'get',
      key,
      '--keys-only',
      '--write-out=json',
    ],
    { timeout: 30_000 },
  );
  return (JSON.parse(stdout) as { count?: number }).count ?? 0;
}

/** Tries, as the test bed's unprivileged account, to write a privileged Pod's key into etcd over v3's HTTP gateway. */
export async function foreignEtcdWrite(layout: TestbedLayout): Promise<ForeignWrite> {
  const key = `/registry/pods/default/foreign-${process.pid}`;
  const body = JSON.stringify({
    key: Buffer.from(key).toString('base64'),
    value: Buffer.from('{"spec":{"containers":[{"securityContext":{"privileged":true}}]}}').toString('base64'),
  });
  const port = layout.instance.ports.etcd;
  const put = (scheme: string) =>
    asOtherUser(['curl', '-sS', '-k', '--max-time', '10', '-X', 'POST', '-d', body, `${scheme}://127.0.0.1:${port}/v3/kv/put`]);
  const plain = await put('http');
  const tls = await put('https');
  const pki = etcdPki(layout);
  const readable: string[] = [];
  for (const file of [pki.caKey, pki.apiServerClientKey, pki.serverKey, layout.kubeconfigPath, `${layout.kwokClusterDir}/pki/admin.key`]) {
    if ((await asOtherUser(['test', '-r', file])).code === 0) readable.push(file);
  }
  return {
    plain,
    tls,
    readable,
    keyCount: await countKeys(layout, key),
    defaultNamespaceCount: await countKeys(layout, '/registry/namespaces/default'),
  };
}
