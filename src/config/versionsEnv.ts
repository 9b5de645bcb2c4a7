/**
 * Pinned versions live in `versions.env` files (KEY=VALUE) that both the bash build scripts and the
 * TypeScript code read, so a version is written down once.
 */
export type VersionSpec<T extends string> = Record<T, { key: string; pattern: RegExp }>;

/** Parses KEY=VALUE lines (comments and blank lines ignored), naming the line of anything else. */
export function parseVersionsEnv<T extends string>(text: string, spec: VersionSpec<T>, source = 'versions.env'): Record<T, string> {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z_][A-Z0-9_]*)=([^\s#]+)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected KEY=VALUE, got "${line}"`);
    values.set(match[1]!, match[2]!);
  });
  const result = {} as Record<T, string>;
  for (const [field, { key, pattern }] of Object.entries(spec) as [T, { key: string; pattern: RegExp }][]) {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${source}: ${key} is missing`);
    if (!pattern.test(value)) throw new Error(`${source}: ${key}=${value} does not look like ${pattern}`);
    result[field] = value;
  }
  return result;
}
