import * as fs from 'node:fs';
import * as path from 'node:path';
import { logTail } from '../../../src/process/logTail';
import { tempDir } from '../../support/tempDir';

describe('logTail', () => {
  it("gives a log's last lines, from its end only, however long the log", async () => {
    const file = path.join(await tempDir('hardenlab-log-tail-'), 'server.log');
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(2_000_000);
    expect(logTail(file, 3)).toEqual(lines.slice(-3));
  });

  it('gives nothing for a missing or empty log', async () => {
    const dir = await tempDir('hardenlab-log-tail-');
    fs.writeFileSync(path.join(dir, 'empty.log'), '\n');
    expect(logTail(path.join(dir, 'missing.log'), 5)).toEqual([]);
    expect(logTail(path.join(dir, 'empty.log'), 5)).toEqual([]);
  });
});
