/**
 * What root reads or runs for the test bed must be out of other users' reach: the binary cache, the data folder's
 * keys, the node hosts' authorized keys; and etcd gets certificates of its own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../src/config/paths';
import { createEtcdPki } from '../../../src/testbed/etcdPki';
import { testbedLayout } from '../../../src/testbed/layout';
import { nodeHostKeysFile } from '../../../src/testbed/nodeHosts';
import {
  assertTrustedCache,
  DIGESTS_FILE,
  ensurePrivateDir,
  untrustedPathReasons,
  verifyBinaryDigests,
} from '../../../src/testbed/trustedPaths';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);

// As the test bed, these tests run as root (chown, and the cache check applies to root only).

describe('untrustedPathReasons', () => {
  test('a root-owned checkout (0755 folders, 0644 files) is trusted', () => {
    expect(untrustedPathReasons(path.join(repoRoot, 'package.json'))).toEqual([]);
  });

  test('names a world-writable folder above, a group-writable file, a missing file, and a foreign owner', () => {
    const dir = tempDirSync('hardenlab-trust-');
    const file = path.join(dir, 'kubectl');
    fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o775 });
    fs.chmodSync(file, 0o775);
    const reasons = untrustedPathReasons(file);
    expect(reasons).toContain(`${file} is writable by its group (mode 775)`);
    expect(reasons).toContain('/tmp is writable by everyone (mode 1777)');
    expect(untrustedPathReasons(path.join(dir, 'missing'))[0]).toBe(`${path.join(dir, 'missing')}: ENOENT`);
    fs.chownSync(file, 12345, 12345);
    expect(untrustedPathReasons(file)).toContain(`${file} is owned by uid 12345`);
  });

  test('judges a symbolic link by where it leads', () => {
    const dir = tempDirSync('hardenlab-trust-');
    fs.chmodSync(dir, 0o777);
    const link = path.join(tempDirSync('hardenlab-trust-'), 'cache');
    fs.symlinkSync(dir, link);
    const reasons = untrustedPathReasons(link);
    expect(reasons).toContain(`${dir} is writable by everyone (mode 777)`);
    expect(reasons.join(' ')).not.toContain(link);
  });
});

describe('the binary cache', () => {
  test('root refuses a cache others can write', () => {
    const cache = tempDirSync('hardenlab-cache-');
    expect(() => assertTrustedCache(cache)).toThrow(/refusing a binary cache others can write .*\/tmp is writable by everyone/);
  });

  test('binaries must match the digests recorded beside them; a folder without a record gets one', () => {
    const dir = tempDirSync('hardenlab-digests-');
    const [etcd, etcdctl] = ['etcd', 'etcdctl'].map((name) => path.join(dir, name)) as [string, string];
    fs.writeFileSync(etcd, 'etcd v1');
    fs.writeFileSync(etcdctl, 'etcdctl v1');
    verifyBinaryDigests([etcd, etcdctl]);
    const record = fs.readFileSync(path.join(dir, DIGESTS_FILE), 'utf8');
    expect(record).toBe(execFileSync('sha256sum', ['etcd', 'etcdctl'], { cwd: dir, encoding: 'utf8' }));
    verifyBinaryDigests([etcd, etcdctl]);
    fs.writeFileSync(etcd, 'etcd, swapped by someone');
    expect(() => verifyBinaryDigests([etcdctl, etcd])).toThrow(
      `${etcd} does not match its recorded sha256 (${path.join(dir, DIGESTS_FILE)}): refusing to run it`,
    );
  });
});

describe('the data folder', () => {
  test('keys live in folders only their owner opens', () => {
    const dir = path.join(tempDirSync('hardenlab-private-'), 'sim');
    fs.mkdirSync(dir, { mode: 0o755 });
    ensurePrivateDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  test('refuses a folder someone else owns (they could swap the keys in it)', () => {
    const dir = path.join(tempDirSync('hardenlab-private-'), 'sim');
    fs.mkdirSync(dir);
    fs.chownSync(dir, 12345, 12345);
    expect(() => ensurePrivateDir(dir)).toThrow(
      `${dir} is owned by uid 12345, not by this user (0): refusing to keep the test bed's keys there`,
    );
  });

  test("the node hosts' authorized keys are outside the data folder, one file per test bed", () => {
    const a = testbedLayout('/data/a');
    const b = testbedLayout('/data/b');
    expect(nodeHostKeysFile(a)).toMatch(/^\/run\/hardenlab\/sim\/hardenlab-[0-9a-f]{12}\/authorized_keys$/);
    expect(nodeHostKeysFile(a)).not.toBe(nodeHostKeysFile(b));
  });
});

describe('createEtcdPki', () => {
  test("writes etcd's own CA, a serving certificate for 127.0.0.1 and the API server's client certificate, keys private", async () => {
    const layout = testbedLayout(tempDirSync('hardenlab-etcdpki-'));
    const pki = await createEtcdPki(layout);
    expect(fs.statSync(pki.dir).mode & 0o777).toBe(0o700);
    for (const key of [pki.caKey, pki.serverKey, pki.apiServerClientKey]) expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    const verify = (purpose: string, cert: string) =>
      execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', pki.caCert, cert], { encoding: 'utf8' }).trim();
    expect(verify('sslserver', pki.serverCert)).toBe(`${pki.serverCert}: OK`);
    expect(verify('sslclient', pki.apiServerClientCert)).toBe(`${pki.apiServerClientCert}: OK`);
    expect(() => verify('sslserver', pki.apiServerClientCert)).toThrow();
    const san = execFileSync('openssl', ['x509', '-in', pki.serverCert, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(san).toContain('IP Address:127.0.0.1');
    // A new cluster gets a new CA: the old certificates no longer verify.
    const oldCa = fs.readFileSync(pki.caCert, 'utf8');
    await createEtcdPki(layout);
    expect(fs.readFileSync(pki.caCert, 'utf8')).not.toBe(oldCa);
    expect(fs.readdirSync(pki.dir).sort()).toEqual([
      'apiserver-etcd-client.crt',
      'apiserver-etcd-client.key',
      'ca.crt',
      'ca.key',
      'ca.srl',
      'server.crt',
      'server.key',
    ]);
  });
});
