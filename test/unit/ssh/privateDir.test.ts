import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { checksumGuard, GUARD_EXIT, guardedRunCommand, makePrivateDirCommand, notWritableByOthersGuard, parsePrivateDir, privateDirGuard, type PrivateDir } from '../../../src/ssh/privateDir';

/** The guards are shell: they are run here by a real /bin/sh, as the node would. */
const sh = (line: string) => spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });

let parent: string;
let dir: PrivateDir;
beforeEach(async () => {
  parent = await fs.mkdtemp(path.join(os.tmpdir(), 'hl-private-'));
  dir = parsePrivateDir(execFileSync('/bin/sh', ['-c', makePrivateDirCommand(parent, 'hardenlab-run 1')], { encoding: 'utf8' }), 'node');
});
afterEach(() => fs.rm(parent, { recursive: true, force: true }));

test('mktemp -d gives a fresh directory of the SSH user with mode 0700, and the check accepts it', async () => {
  expect(path.dirname(dir.path)).toBe(parent);
  expect(path.basename(dir.path)).toMatch(/^hardenlab-run 1\.[A-Za-z0-9]{10}$/);
  expect(dir.uid).toBe(process.getuid!());
  expect((await fs.stat(dir.path)).mode & 0o777).toBe(0o700);
  expect(sh(privateDirGuard(dir)).status).toBe(0);
});

test('a directory that is not private is refused at creation', () => {
  const refuse = (stat: string) => () => parsePrivateDir(`dir=/var/tmp/x.1\nuid=1000\nstat=${stat}\n`, 'node-1');
  expect(refuse('directory:1000:755')).toThrow(ApplicationFailure);
  expect(refuse('directory:1001:700')).toThrow(/node-1 did not give a private directory/);
  expect(refuse('symbolic link:1000:777')).toThrow(/expected a directory owned by uid 1000 with mode 700/);
});

test.each([
  ['made group/world-accessible', (d: string) => fs.chmod(d, 0o777)],
  ['replaced by a link to a directory of someone else', async (d: string) => {
    await fs.rm(d, { recursive: true });
    await fs.mkdir(`${d}.other`, { mode: 0o700 });
    await fs.symlink(`${d}.other`, d);
  }],
])('the guard stops the command when the directory is %s', async (_what, change) => {
  const marker = path.join(parent, 'ran');
  await change(dir.path);
  const result = sh(guardedRunCommand({ guards: [privateDirGuard(dir)], argv: ['touch', marker], uid: dir.uid }));
  expect(result.status).toBe(GUARD_EXIT.unsafeDir);
  expect(result.stderr).toContain(`hardenlab: ${dir.path} is no longer a private directory of uid ${dir.uid}`);
  await expect(fs.access(marker)).rejects.toThrow();
});

test('the checksum guard runs the program only while it has the uploaded sha256', async () => {
  const program = path.join(dir.path, 'tool');
  await fs.writeFile(program, '#!/bin/sh\necho "ran $1"\n', { mode: 0o700 });
  const sha = createHash('sha256').update(await fs.readFile(program)).digest('hex');
  const command = guardedRunCommand({ guards: [privateDirGuard(dir), checksumGuard(program, sha)], argv: [program, "it's $(x)"], uid: dir.uid });
  expect(sh(command)).toMatchObject({ status: 0, stdout: "ran it's $(x)\n" });
  await fs.appendFile(program, 'touch /tmp/hardenlab-should-not\n');
  const tampered = sh(command);
  expect(tampered.status).toBe(GUARD_EXIT.checksum);
  expect(tampered.stdout).toBe('');
  expect(tampered.stderr).toContain('does not have the sha256 it was uploaded with');
});

test('a configured program is run only when no other user can write it', async () => {
  const program = path.join(parent, 'configured');
  await fs.writeFile(program, '#!/bin/sh\necho ok\n', { mode: 0o755 });
  await fs.chmod(program, 0o755);
  const command = guardedRunCommand({ guards: [notWritableByOthersGuard(program, dir.uid)], argv: [program], uid: dir.uid });
  expect(sh(command)).toMatchObject({ status: 0, stdout: 'ok\n' });
  await fs.chmod(program, 0o777);
  expect(sh(command)).toMatchObject({ status: GUARD_EXIT.writableByOthers, stdout: '' });
  await fs.chmod(program, 0o775);
  expect(sh(command).status).toBe(GUARD_EXIT.writableByOthers);
});

test('the output file is handed to the SSH user and the exit code kept', async () => {
  const out = path.join(dir.path, 'out.json');
  const result = sh(guardedRunCommand({ guards: [privateDirGuard(dir)], argv: ['sh', '-c', `echo x > '${out}'; exit 3`], outputFile: out, uid: dir.uid }));
  expect(result.status).toBe(3);
  expect((await fs.stat(out)).uid).toBe(dir.uid);
});
