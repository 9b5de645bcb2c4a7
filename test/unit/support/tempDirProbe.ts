/**
 * Not a test of its own: tempDirs.test.ts runs this file in a jest of its own and checks that the folders it
 * makes with tempDir()/tempDirSync() live through the file's afterAll hooks and are gone after the file.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { tempDir, tempDirSync } from '../../support/tempDir';

const report = process.env.TEMP_DIR_PROBE_REPORT ?? '';
const atTopLevel = tempDirSync('hardenlab-probe-top-');
let inTest = '';

test('makes a folder inside a test', async () => {
  inTest = await tempDir('hardenlab-probe-test-');
  expect(existsSync(inTest)).toBe(true);
});

// A server the file stops in its own afterAll may still write into its folder: the folders must still be there.
afterAll(() => {
  writeFileSync(report, JSON.stringify({ dirs: [atTopLevel, inTest], existedInAfterAll: [atTopLevel, inTest].map((dir) => existsSync(dir)) }));
});
