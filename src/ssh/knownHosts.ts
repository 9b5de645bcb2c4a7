import { createHash, createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  /** Host patterns as written (plain `host`, `[host]:port`, or one hashed `|1|salt|hash`). */
  patterns: string[];
  keyType: string;
  /** The raw public key blob (base64-decoded). */
  key: Buffer;
  marker?: '@revoked' | '@cert-authority';
  line: number;
}

/** OpenSSH's `SHA256:<base64 without padding>` fingerprint of a public key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** Compares fingerprints ignoring base64 padding, as OpenSSH prints none but users may paste some. */
export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) return;
    entries.push({ patterns: hosts.split(','), keyType, key, marker, line: index + 1 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, else `[host]:port`. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return globToRegExp(pattern).test(name);
}

/** Whether an entry applies to the name: any positive pattern matches and no negated (`!`) one does. */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  { status: 'match' } | { status: 'unknown' } | { status: 'changed'; knownFingerprints: string[]; lines: number[] } | { status: 'revoked' };

/**
 * OpenSSH's decision for a presented key: a matching entry of the same key → match; entries for the host
 * of the same type but another key → changed; none of that type → unknown (other types do not count as a
 * change, since the server may hold several keys). Certificate authorities are not supported (unknown).
 */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = hostLookupName(host, port);
  const forHost = entries.filter((e) => entryMatches(e, name));
  if (forHost.some((e) => e.marker === '@revoked' && e.key.equals(keyBlob))) return { status: 'revoked' };
  const plain = forHost.filter((e) => !e.marker);
  if (plain.some((e) => e.key.equals(keyBlob))) return { status: 'match' };
  const type = keyTypeOf(keyBlob);
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0) {
    return { status: 'changed', knownFingerprints: sameType.map((e) => fingerprintOf(e.key)), lines: sameType.map((e) => e.line) };
  }
  return { status: 'unknown' };
}

/** Key types known for a host, so the handshake can ask for those first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = hostLookupName(host, port);
  return [...new Set(entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType))];
}

export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${hostLookupName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Records an accepted key (trust on first use); appends so concurrent writers of other lines are kept. */
export async function appendKnownHost(file: string, host: string, port: number, keyBlob: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  let prefix = '';
  try {
    const current = await fs.readFile(file, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
  } catch {
    // a missing file is created by appendFile
  }
  await fs.appendFile(file, `${prefix}${knownHostsLine(host, port, keyBlob)}\n`, { mode: 0o600 });
}

/** ssh2 algorithm names that can present a key of the given known_hosts type. */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}
