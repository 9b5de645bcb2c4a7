import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../testbed/process';

/**
 * The project's one PKI helper: a CA and the certificates it signs, made by openssl (EC P-256 keys) in a folder the
 * caller owns. etcd's certificates (src/testbed/etcdPki.ts) and the policy engine's webhook serving certificate
 * (src/kube/policyEngine/) both come from here.
 */
export interface KeyPair {
  cert: string;
  key: string;
}

export const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];

/** A self-signed CA, valid `days`. */
export async function createCa(cn: string, out: KeyPair, days = 365): Promise<void> {
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days),
    '-subj', `/CN=${cn}`, '-keyout', out.key, '-out', out.cert,
    ...CA_EXTENSIONS.flatMap((extension) => ['-addext', extension]),
  ]);
  fs.chmodSync(out.key, 0o600);
}

/** A serving certificate's extensions for these names (DNS names and IP addresses). */
export function servingExtensions(names: readonly string[], clientAuth = false): string {
  const altNames = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  return (
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth` +
    `${clientAuth ? ',clientAuth' : ''}\nsubjectAltName=${altNames}\n`
  );
}

export const CLIENT_EXTENSIONS =
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

/** A key and a certificate signed by `ca` (its serial file beside the CA's key), with the given extensions. */
export async function signCertificate(
  ca: KeyPair,
  name: string,
  subject: string,
  extensions: string,
  out: KeyPair,
  days = 365,
): Promise<void> {
  const dir = path.dirname(ca.key);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, extensions, { mode: 0o600 });
  await run('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', out.key, '-subj', subject,
    '-out', csr,
  ]);
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-CAserial', path.join(dir, 'ca.srl'),
    '-days', String(days), '-out', out.cert, '-extfile', ext,
  ]);
  fs.rmSync(csr);
  fs.rmSync(ext);
  fs.chmodSync(out.key, 0o600);
}
