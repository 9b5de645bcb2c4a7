import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../src/config/paths';
import { nodeEntrySchema, nodeMapSchema } from '../../src/config/nodeMap';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)])));
  return nested.flat();
}

test('every docs/*.md that code or docs point to exists', async () => {
  const sources = [
    ...(await filesUnder(path.join(repoRoot, 'src'))),
    ...(await filesUnder(path.join(repoRoot, 'activities'))),
    path.join(repoRoot, 'README.md'),
    ...(await filesUnder(path.join(repoRoot, 'docs'))),
  ];
  const referenced = new Set<string>();
  for (const file of sources) {
    for (const match of (await fs.readFile(file, 'utf8')).matchAll(/\bdocs\/([\w-]+\.md)/g)) referenced.add(match[1]!);
  }
  expect([...referenced]).toContain('node-map.md');
  for (const name of referenced) await expect(fs.access(path.join(repoRoot, 'docs', name))).resolves.toBeUndefined();
});

test('every script the README and docs name is where they say', async () => {
  const docs = [path.join(repoRoot, 'README.md'), ...(await filesUnder(path.join(repoRoot, 'docs')))];
  const named = new Set<string>();
  // From the repository's root: not a path inside dist/ or one relative to another folder.
  const rootPath = /(?<![\w./-])(?:\.\/)?((?:scripts|test)\/[\w./-]+\.(?:sh|js|R|env))\b/g;
  for (const file of docs) {
    for (const match of (await fs.readFile(file, 'utf8')).matchAll(rootPath)) named.add(match[1]!);
  }
  expect([...named]).toEqual(expect.arrayContaining(['scripts/test.sh', 'test/runner/jest-project.js']));
  const exists = (file: string) => fs.stat(path.join(repoRoot, file)).then(() => true, () => false);
  const missing = await Promise.all([...named].map(async (file) => ((await exists(file)) ? [] : [file])));
  expect(missing.flat()).toEqual([]);
});

describe('docs/node-map.md', () => {
  let text: string;
  beforeAll(async () => {
    text = await fs.readFile(path.join(repoRoot, 'docs', 'node-map.md'), 'utf8');
  });

  test('its example is a valid node map', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(text)![1]!;
    expect(nodeMapSchema.safeParse(parse(example)).success).toBe(true);
  });

  test('documents every field of the schema in its table', () => {
    const documented = new Set([...text.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
    expect(Object.keys(nodeEntrySchema.shape).filter((field) => !documented.has(field))).toEqual([]);
  });
});

describe('docs/measurements.md', () => {
  /** A test file or a command a reader can run: what makes a figure checkable. */
  const PROVENANCE = /\.test\.ts|`(?:npm|node|bash|sh|git|CI=true|scripts\/)[^`]*`|(?:scripts|test)\/[\w/-]+\.sh/;

  /** Each markdown table with the paragraph right above it. */
  function tables(text: string): { intro: string; rows: string[] }[] {
    const blocks = text.split(/\n\s*\n/);
    const found: { intro: string; rows: string[] }[] = [];
    blocks.forEach((block, i) => {
      const lines = block.split('\n');
      const start = lines.findIndex((l) => l.startsWith('|'));
      if (start < 0) return;
      const rows = lines.slice(start + 2).filter((l) => l.startsWith('|'));
      found.push({ intro: [blocks[i - 1] ?? '', ...lines.slice(0, start)].join('\n'), rows });
    });
    return found;
  }

  test('every figure names the test that asserts it or the command that measured it', async () => {
    const text = await fs.readFile(path.join(repoRoot, 'docs', 'measurements.md'), 'utf8');
    const all = tables(text);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const unsourced = all.flatMap(({ intro, rows }) => (PROVENANCE.test(intro) ? [] : rows.filter((row) => !PROVENANCE.test(row))));
    expect(unsourced).toEqual([]);
  });

  test('the README states no measured figure of its own, only the pointer', async () => {
    const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('docs/measurements.md');
    expect(readme.split('\n').length).toBeLessThan(250);
    // Figures with a unit of time or a percentage belong in docs/measurements.md.
    expect(readme.match(/\b\d+(?:\.\d+)? ?(?:%|ms\b|min \d+ s\b)/g) ?? []).toEqual([]);
  });
});
