/**
 * A `testbed up` that reuses the running test bed rewrites files that other runs read meanwhile: the SSH clients'
 * known_hosts and sshd's authorized_keys. Each write replaces the file whole (temp file + rename), so a reader
 * never sees it empty or half written (a truncate-then-write let a concurrent session fail its host key check).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { testbedLayout } from '../../../src/testbed/layout';
import { ensureClientKey, writeKnownHosts } from '../../../src/testbed/nodeHosts';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);

/**
 * Reads the files in a tight loop in another process until told to stop; resolves to [reads, torn reads].
 * `reads()` is its count so far (it reports after every 2,000), so a writer can go on until the two overlapped
 * enough however slow a loaded machine makes either.
 */
function watchFiles(files: Record<string, string>): { reads: () => number; stop: () => Promise<[number, string[]]> } {
  const script = `
    const fs = require('node:fs');
    const expected = ${JSON.stringify(files)};
    let reads = 0; const torn = [];
    let running = true;
    process.stdin.on('data', () => { running = false; });
    const loop = () => {
      for (let i = 0; i < 2000 && running; i++) {
        for (const [file, content] of Object.entries(expected)) {
          reads++;
          let text = '';
          try { text = fs.readFileSync(file, 'utf8'); } catch (error) { text = 'missing: ' + error.code; }
          if (text !== content && torn.length < 5) torn.push(file + ': ' + JSON.stringify(text.slice(0, 40)));
        }
      }
      if (running) { process.stderr.write(reads + '\\n'); setImmediate(loop); } else process.stdout.write(JSON.stringify([reads, torn]));
    };
    loop();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let soFar = 0;
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const counts = chunk.toString().trim().split('\n').map(Number).filter(Number.isFinite);
    if (counts.length > 0) soFar = Math.max(soFar, ...counts);
  });
  return {
    reads: () => soFar,
    stop: () =>
      new Promise((resolve, reject) => {
        child.on('close', () => resolve(JSON.parse(out) as [number, string[]]));
        child.on('error', reject);
        child.stdin.end('stop\n');
      }),
  };
}

test('rewriting known_hosts and authorized_keys never shows a reader an empty or partial file', async () => {
  const layout = testbedLayout(tempDirSync('hardenlab-shared-'));
  const nodes = layout.instance.nodes;
  for (const node of nodes) {
    fs.mkdirSync(layout.nodeDir(node.name), { recursive: true });
    fs.writeFileSync(
      path.join(layout.nodeDir(node.name), 'ssh_host_ed25519_key.pub'),
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${node.name.padEnd(43, 'x')} hardenlab-${node.name}\n`,
    );
  }
  await ensureClientKey(layout, () => undefined);
  writeKnownHosts(nodes, layout);
  const expected = {
    [layout.knownHostsPath]: fs.readFileSync(layout.knownHostsPath, 'utf8'),
    [layout.authorizedKeysPath]: fs.readFileSync(layout.authorizedKeysPath, 'utf8'),
  };
  expect(expected[layout.knownHostsPath]!.split('\n').filter(Boolean)).toHaveLength(nodes.length);

  const watcher = watchFiles(expected);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the reader is up
  // at least 2 s, and as long as it takes (a loaded machine is slow) for 100 rewrites beside 10,000 reads
  const until = Date.now() + 2_000;
  let rewrites = 0;
  while (Date.now() < until || rewrites <= 100 || watcher.reads() <= 10_000) {
    writeKnownHosts(nodes, layout);
    await ensureClientKey(layout, () => undefined);
    rewrites++;
    await new Promise((resolve) => setImmediate(resolve)); // lets the reader's counts in
  }
  const [reads, torn] = await watcher.stop();
  expect(rewrites).toBeGreaterThan(100);
  expect(reads).toBeGreaterThan(10_000);
  expect(torn).toEqual([]);
  expect(fs.statSync(layout.authorizedKeysPath).mode & 0o777).toBe(0o644);
  expect(fs.statSync(layout.knownHostsPath).mode & 0o777).toBe(0o644);
});
