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
