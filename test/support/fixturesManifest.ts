/**
 * The append-only guard of the replay fixtures: MANIFEST.sha256 lists every recorded history once,
 * `sha256  path` (path relative to test/fixtures/histories). A listed file must stay byte for byte;
 * new recordings are appended, never replace a line. Run as a script to append unlisted recordings:
 * `node -r ./test/support/registerTs.js test/support/fixturesManifest.ts`.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { historiesDir, historyFiles } from './histories';

export const manifestPath = path.join(historiesDir, 'MANIFEST.sha256');

export interface ManifestEntry {
  sha256: string;
  file: string;
  line: number;
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(path.join(historiesDir, file))).digest('hex');
}

export function parseManifest(text: string): ManifestEntry[] {
  return text
    .split('\n')
    .map((raw, i) => ({ raw, line: i + 1 }))
    .filter(({ raw }) => raw.trim() !== '' && !raw.startsWith('#'))
    .map(({ raw, line }) => {
      const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(raw);
      if (!match) throw new Error(`${manifestPath}:${line}: expected "<sha256>  <path>", got ${JSON.stringify(raw)}`);
      return { sha256: match[1]!, file: match[2]!, line };
    });
}

export function readManifest(): ManifestEntry[] {
  return parseManifest(readFileSync(manifestPath, 'utf8'));
}

/** What breaks the append-only rule: a listed file missing or changed, a recording not listed, a file listed twice. */
export function manifestProblems(entries: ManifestEntry[], files: string[], hashOf: (file: string) => string): string[] {
  const problems: string[] = [];
  const present = new Set(files);
  const seen = new Set<string>();
  for (const { sha256, file, line } of entries) {
    if (seen.has(file)) problems.push(`MANIFEST.sha256:${line}: ${file} is listed twice`);
    seen.add(file);
    if (!present.has(file)) problems.push(`${file} is listed (line ${line}) but missing: fixtures are never removed`);
    else if (hashOf(file) !== sha256) problems.push(`${file} changed since it was listed (line ${line}): fixtures are never re-recorded, add a new one`);
  }
  for (const file of files) if (!seen.has(file)) problems.push(`${file} is not in MANIFEST.sha256: run node -r ./test/support/registerTs.js test/support/fixturesManifest.ts`);
  return problems;
}

/** Appends a line for every recorded history the manifest does not list yet; returns the files added. */
export function appendUnlisted(): string[] {
  const listed = new Set(existsSync(manifestPath) ? readManifest().map((e) => e.file) : []);
  const added = historyFiles().filter((f) => !listed.has(f));
  if (added.length > 0) appendFileSync(manifestPath, added.map((f) => `${sha256Of(f)}  ${f}\n`).join(''));
  return added;
}

if (require.main === module) {
  const added = appendUnlisted();
  console.log(added.length ? `added to ${manifestPath}:\n${added.join('\n')}` : 'every recorded history is listed');
}
