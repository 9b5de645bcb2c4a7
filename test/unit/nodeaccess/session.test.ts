/**
 * The Kubernetes node session's file and command logic, over a stand-in for the exec stream that runs the
 * same argv (without the nsenter prefix) in a local shell: real files, real bytes, a real dropped stream.
 * The API-server path itself is covered on the real-node test bed (test/integration/nodeAccess.test.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { PodExecStreamError, type PodExec, type PodExecOutcome, type PodExecRequest } from '../../../src/nodeaccess/exec';
import { KubeNodeSession } from '../../../src/nodeaccess/podSession';
import { tempDir } from '../../support/tempDir';

/** Runs `sh -c` locally; with `dropAfterBytes`, kills the command and fails like a dropped websocket once that much stdout went through. */
class LocalPodExec implements PodExec {
  dropAfterBytes?: number;
  readonly argvs: string[][] = [];

  exec(req: PodExecRequest): Promise<PodExecOutcome> {
    this.argvs.push([...req.argv]);
    const [program, ...args] = req.argv.slice(req.argv.indexOf('--') + 1);
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdin = typeof req.stdin === 'string' ? Readable.from([Buffer.from(req.stdin)]) : req.stdin;
    if (stdin) stdin.pipe(child.stdin);
    else child.stdin.end();
    child.stderr.pipe(req.stderr);
    return new Promise((resolve, reject) => {
      let sent = 0;
      let dropped = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (dropped) return;
        const limit = this.dropAfterBytes;
        if (limit !== undefined && sent + chunk.length > limit) {
          dropped = true;
          child.kill('SIGKILL');
          const error = new PodExecStreamError('the exec stream closed before the command ended');
          // The bytes before the drop reach the part file first (destroy would discard a write still buffered).
          req.stdout.write(chunk.subarray(0, limit - sent), () => {
            req.stdout.destroy(error);
            reject(error);
          });
          return;
        }
        sent += chunk.length;
        req.stdout.write(chunk);
      });
      child.on('close', (code) => {
        if (dropped) return;
        req.stdout.end();
        resolve({ code });
      });
    });
  }
}

const node = { name: 'sim-node-1', host: 'sim-node-1', port: 22, user: 'admin', trustOnFirstUse: false };

describe('KubeNodeSession over a stand-in exec stream', () => {
  let dir: string;
  let exec: LocalPodExec;
  let session: KubeNodeSession;
  beforeEach(async () => {
    dir = await tempDir('hardenlab-nodeaccess-');
    exec = new LocalPodExec();
    session = new KubeNodeSession(node, { namespace: 'hl-access-1', pod: 'node-access-sim-node-1', uid: 'u-1' }, exec);
  });

  test('runs every command through nsenter as root; run() names the node and the command on a non-zero exit', async () => {
    await expect(session.exec('echo out; echo err >&2; exit 3')).resolves.toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(exec.argvs[0]!.slice(0, 9)).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--']);
    await expect(session.run('exit 5')).rejects.toThrow(
      /`exit 5` on node sim-node-1 \(access pod hl-access-1\/node-access-sim-node-1\) exited with 5/,
    );
    await expect(session.exec('cat', { stdin: 'from stdin' })).resolves.toMatchObject({ code: 0, stdout: 'from stdin' });
  });

  test('stat gives size and mtime, null for a missing file, also for names with spaces and quotes', async () => {
    const file = path.join(dir, "a b'c.sa");
    await fs.writeFile(file, 'x'.repeat(1234));
    await fs.utimes(file, 1_700_000_000, 1_700_000_000);
    await expect(session.stat(file)).resolves.toEqual({ size: 1234, mtimeSeconds: 1_700_000_000 });
    await expect(session.stat(path.join(dir, 'missing'))).resolves.toBeNull();
  });

  test('upload then download are byte-identical; a dropped stream resumes from the part file', async () => {
    const original = path.join(dir, 'original.bin');
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await fs.writeFile(original, bytes);
    const remote = path.join(dir, 'node side', 'data.sa');
    await expect(session.upload(original, remote)).resolves.toEqual({ bytes: bytes.length });
    expect((await fs.readFile(remote)).equals(bytes)).toBe(true);
    await expect(fs.stat(`${remote}.part`)).rejects.toThrow();

    const local = path.join(dir, 'local', 'data.sa');
    exec.dropAfterBytes = 1024 * 1024;
    await expect(session.download(remote, local)).rejects.toThrow(/downloading .* from node sim-node-1 .* failed \(will retry\)/);
    const partSize = (await fs.stat(`${local}.part`)).size;
    expect(partSize).toBeGreaterThan(0);
    exec.dropAfterBytes = undefined;
    const result = await session.download(remote, local);
    expect(result).toEqual({ bytes: bytes.length, resumedFrom: partSize });
    expect((await fs.readFile(local)).equals(bytes)).toBe(true);
  });

  test('a download of a missing file is refused naming the node', async () => {
    await expect(session.download(path.join(dir, 'missing.sa'), path.join(dir, 'x'))).rejects.toThrow(
      /missing\.sa does not exist on node sim-node-1/,
    );
  });
});
