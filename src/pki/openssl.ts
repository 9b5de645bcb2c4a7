import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../process/subprocess';

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

/** Where a signing keeps its request and serial file: beside the CA's key unless a private folder is given. */
export interface SignOptions {
  days?: number;
  /** A private folder of the caller's (e.g. one per node, so signings side by side never share a request file). */
  workDir?: string;
}

/** A new P-256 key (0600) and its certificate signed by `ca`, with the given subject and extensions (an openssl extfile). */
export async function signCertificate(
  ca: KeyPair,
  name: string,
  subject: string,
  extensions: string,
  out: KeyPair,
  options: SignOptions = {},
): Promise<void> {
  const dir = options.workDir ?? path.dirname(ca.key);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, extensions, { mode: 0o600 });
  try {
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', out.key];
    await run('openssl', ['req', '-new', ...newKey, '-subj', subject, '-out', csr]);
    fs.chmodSync(out.key, 0o600);
    await run('openssl', [
      'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-CAserial', path.join(dir, 'ca.srl'),
      '-days', String(options.days ?? 365), '-out', out.cert, '-extfile', ext,
    ]);
  } finally {
    fs.rmSync(csr, { force: true });
    fs.rmSync(ext, { force: true });
  }
}
