import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Files root reads or runs must be out of other users' reach: owned by root (or by the user running the test bed)
 * and not writable by group or others, with the same for every folder above them (one writable parent lets
 * anyone swap the rest).
 */
export function untrustedPathReasons(file: string, owner = process.getuid?.() ?? 0): string[] {
  const reasons: string[] = [];
  let start = path.resolve(file);
  try {
    start = fs.realpathSync(start); // a symbolic link is judged by where it leads
  } catch {
    // missing: reported below
  }
  for (let current = start; ; current = path.dirname(current)) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (error) {
      reasons.push(`${current}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      break;
    }
    if (stat.uid !== 0 && stat.uid !== owner) reasons.push(`${current} is owned by uid ${stat.uid}`);
    const writable = stat.mode & 0o022;
    if (writable !== 0)
      reasons.push(`${current} is writable by ${writable & 0o002 ? 'everyone' : 'its group'} (mode ${(stat.mode & 0o7777).toString(8)})`);
    if (current === path.dirname(current)) break;
  }
  return reasons;
}

export function assertTrustedPath(file: string, what: string): void {
  const reasons = untrustedPathReasons(file);
  if (reasons.length > 0) throw new Error(`refusing ${what} ${file}: ${reasons.join('; ')}`);
}

/** A folder only its owner (the user running the test bed) can open: made 0700, refused when someone else owns it. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const owner = process.getuid?.() ?? 0;
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (a symbolic link or file is in its place)`);
  if (stat.uid !== owner)
    throw new Error(`${dir} is owned by uid ${stat.uid}, not by this user (${owner}): refusing to keep the test bed's keys there`);
  fs.chmodSync(dir, 0o700);
}

/** The binary cache as root sees it: refused unless only root can write it (root runs what it holds). */
export function assertTrustedCache(cache: string): void {
  if (process.getuid?.() !== 0) return;
  assertTrustedPath(cache, 'a binary cache others can write (root would run what they put there):');
}

export const DIGESTS_FILE = 'SHA256SUMS';

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Checks the binaries against the digests recorded beside them, right before they run. A folder without a record
 * (built before digests were kept) gets one now from what it holds, once its path has been found trusted.
 */
export function verifyBinaryDigests(files: readonly string[]): void {
  const byDir = new Map<string, string[]>();
  for (const file of files) byDir.set(path.dirname(file), [...(byDir.get(path.dirname(file)) ?? []), path.basename(file)]);
  for (const [dir, names] of byDir) {
    const record = path.join(dir, DIGESTS_FILE);
    const recorded = new Map<string, string>();
    if (fs.existsSync(record)) {
      for (const line of fs.readFileSync(record, 'utf8').split('\n')) {
        const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
        if (match) recorded.set(match[2]!, match[1]!);
      }
    }
    const unrecorded = names.filter((name) => !recorded.has(name));
    if (unrecorded.length > 0) {
      for (const name of unrecorded) recorded.set(name, sha256(path.join(dir, name)));
      const lines = [...recorded].sort(([a], [b]) => a.localeCompare(b)).map(([name, digest]) => `${digest}  ${name}`);
      fs.writeFileSync(record, `${lines.join('\n')}\n`, { mode: 0o644 });
    }
    for (const name of names) {
      const actual = sha256(path.join(dir, name));
      if (actual !== recorded.get(name))
        throw new Error(`${path.join(dir, name)} does not match its recorded sha256 (${record}): refusing to run it`);
    }
  }
}
