/** Issue 25, low: `hardenlab codec-server` always serves with a token: a random one, or the token file's. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { codecToken } from '../../../src/cli/commands/codecServerCommand';
import { tempDir } from '../../support/tempDir';

test('without a token file each start gets a new random token fit for a URL path', async () => {
  const [a, b] = [await codecToken(undefined), await codecToken(undefined)];
  expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(a).not.toBe(b);
});

test('a token file is read and trimmed; a short or URL-unsafe token is refused naming the file', async () => {
  const dir = await tempDir('hardenlab-codec-token-');
  const file = path.join(dir, 'token');
  await fs.writeFile(file, 'a-stable-token-0123456789\n');
  expect(await codecToken(file)).toBe('a-stable-token-0123456789');
  for (const bad of ['short', 'has/slash-0123456789', 'has space 0123456789']) {
    await fs.writeFile(file, bad);
    await expect(codecToken(file)).rejects.toThrow(`codec token file ${file}: needs at least 16 characters`);
  }
});
