import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  checkHostKey,
  entryMatches,
  fingerprintOf,
  hostKeyAlgorithmsFor,
  hostLookupName,
  keyTypeOf,
  knownHostsLine,
  knownKeyTypes,
  parseKnownHosts,
  sameFingerprint,
} from '../../../src/ssh/knownHosts';

// Fixtures made with real ssh-keygen: three keys, a plain known_hosts and its `ssh-keygen -H` hashed copy.
const fixtures = path.join(__dirname, '../../fixtures/ssh');
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const blob = (name: string) => Buffer.from(read(name).split(' ')[1]!, 'base64');
const sshKeygenFingerprint = (name: string) => read(name).split(' ')[1]!;
const keyA = blob('key-a.pub');
const keyB = blob('key-b.pub');
const keyC = blob('key-c.pub');

describe('fingerprints', () => {
  it.each(['a', 'b', 'c'])('matches ssh-keygen -lf for key %s', (k) => {
    expect(fingerprintOf(blob(`key-${k}.pub`))).toBe(sshKeygenFingerprint(`key-${k}.fingerprint`));
  });
  it('ignores base64 padding when comparing', () => {
    expect(sameFingerprint('SHA256:abc=', 'SHA256:abc')).toBe(true);
    expect(sameFingerprint('SHA256:abd', 'SHA256:abc')).toBe(false);
  });
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(keyA)).toBe('ssh-ed25519');
    expect(keyTypeOf(keyC)).toBe('ecdsa-sha2-nistp256');
  });
});

describe.each(['known_hosts.plain', 'known_hosts.hashed'])('%s', (file) => {
  const entries = parseKnownHosts(read(file));

  it('finds the key of a [host]:port entry', () => {
    expect(checkHostKey(entries, '127.0.0.21', 2222, keyA)).toEqual({ status: 'match' });
  });
  it('does not match the same host on another port', () => {
    expect(checkHostKey(entries, '127.0.0.21', 22, keyA)).toEqual({ status: 'unknown' });
  });
  it('matches each name of a comma list (hashed: each name hashed separately)', () => {
    expect(checkHostKey(entries, 'k8s-node-1', 22, keyB).status).toBe('match');
    expect(checkHostKey(entries, '10.0.0.5', 22, keyB).status).toBe('match');
  });
  it('reports a changed key with the fingerprint it expected', () => {
    const verdict = checkHostKey(entries, '127.0.0.21', 2222, keyB);
    expect(verdict).toEqual({ status: 'changed', knownFingerprints: [fingerprintOf(keyA)], lines: [1] });
  });
  it('treats a key of another type as unknown, not changed (servers hold several keys)', () => {
    expect(checkHostKey(entries, '10.0.0.5', 22, keyC).status).toBe('unknown');
    expect(checkHostKey(entries, 'k8s-node-1', 22, keyC).status).toBe('match');
  });
  it('lists the key types known for a host, to offer those algorithms first', () => {
    expect(knownKeyTypes(entries, 'k8s-node-1', 22).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, 'unknown-host', 22)).toEqual([]);
  });
});

describe('known_hosts syntax', () => {
  it('skips comments, blank and malformed lines and keeps line numbers', () => {
    const text = `# comment\n\nbroken-line\nnode ssh-ed25519 ${keyA.toString('base64')}\n`;
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.line).toBe(4);
  });
  it('honours wildcards and negations', () => {
    const [entry] = parseKnownHosts(`*.cluster.local,!bad.cluster.local ssh-ed25519 ${keyA.toString('base64')}`);
    expect(entryMatches(entry!, 'n1.cluster.local')).toBe(true);
    expect(entryMatches(entry!, 'bad.cluster.local')).toBe(false);
    expect(entryMatches(entry!, 'n1.other')).toBe(false);
  });
  it('refuses a key marked @revoked', () => {
    const entries = parseKnownHosts(`@revoked * ssh-ed25519 ${keyA.toString('base64')}\nnode ssh-ed25519 ${keyA.toString('base64')}`);
    expect(checkHostKey(entries, 'node', 22, keyA).status).toBe('revoked');
  });
  it('writes lines OpenSSH reads back', () => {
    expect(hostLookupName('h', 22)).toBe('h');
    expect(hostLookupName('h', 2222)).toBe('[h]:2222');
    const line = knownHostsLine('127.0.0.9', 2200, keyA);
    expect(checkHostKey(parseKnownHosts(line), '127.0.0.9', 2200, keyA).status).toBe('match');
  });
  it('maps ssh-rsa to the SHA-2 signature algorithms', () => {
    expect(hostKeyAlgorithmsFor('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithmsFor('ssh-ed25519')).toEqual(['ssh-ed25519']);
  });
});
