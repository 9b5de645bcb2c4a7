/**
 * The `hardenlab` command as users run it (the compiled bin, so `npm run build` must have run, as
 * scripts/setup.sh does): `dev` serves the Temporal UI and a worker; `status` and `analyze` answer.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/temporal/devServer';
import { tempDir } from '../support/tempDir';

jest.setTimeout(180_000);
const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'hardenlab.js');
const run = promisify(execFile);

let dev: ChildProcess | undefined;
afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill('SIGKILL');
  }
});

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

test('`hardenlab dev` serves the Temporal Web UI and a worker, then stops cleanly on Ctrl-C', async () => {
  const home = await tempDir('hardenlab-cli-');
  const [port, uiPort] = [await freePort(), await freePort()];
  const env = { ...process.env, HARDENLAB_HOME: home, HARDENLAB_TEMPORAL_CLI: path.join(root, '.hardenlab', 'venv', 'bin', 'temporal'), HARDENLAB_TASK_QUEUE: 'cli-test', KUBECONFIG: path.join(home, 'none') };
  dev = spawn(process.execPath, [bin, 'dev', '--port', String(port), '--ui-port', String(uiPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(dev, /Worker on task queue "cli-test"/, 120_000);

  const ui = await fetch(`http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
  expect(ui.status).toBe(200);
  expect(await ui.text()).toContain('<html');

  // The worker serves: `{}` on this unconfigured home fails at once, naming what is missing.
  const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
  const workflowId = `cli-${Date.now()}`;
  const err = await client.workflow.execute('securityExperiment', { taskQueue: 'cli-test', workflowId, args: [{}] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(String((err as WorkflowFailedError).cause?.message)).toContain('cluster.kubeconfigPath');

  const status = await run(process.execPath, [bin, 'status', workflowId], { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
  expect(status.stdout).toContain(`experiment ${workflowId}: FAILED`);
  await client.connection.close();

  dev.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => dev!.once('exit', (c) => resolve(c)));
  expect(code).toBe(0);
  // The dev server persisted to the data folder, so a restart keeps running workflows.
  expect((await fs.stat(path.join(home, 'temporal', 'dev.db'))).size).toBeGreaterThan(0);
});

test('`hardenlab analyze --json` prints the documented shape for a real sar file', async () => {
  const fixtures = path.join(root, 'test', 'fixtures', 'sysstat');
  const file = (await fs.readdir(fixtures, { recursive: true })).map(String).find((f) => /\.json$/.test(f) && !/expected/.test(f));
  expect(file).toBeDefined();
  const { stdout } = await run(process.execPath, [bin, 'analyze', '--json', path.join(fixtures, file!)]);
  const parsed = JSON.parse(stdout);
  expect(parsed.files[0].format).toBe('sadf-json');
  const metric = parsed.files[0].cpu ?? parsed.files[0].ram;
  expect(metric.box).toHaveLength(5);
  expect(typeof metric.outliers).toBe('number');
});

test('`testbed up --config` with more real nodes than it runs is refused, naming the file and field, before anything starts', async () => {
  const home = await tempDir('hardenlab-cli-nodecount-');
  const file = path.join(await tempDir('hardenlab-cli-bedfile-'), 'bed.yaml');
  await fs.writeFile(file, 'apiVersion: hardenlab.io/v1alpha1\nkind: TestBed\nnodes:\n  kind: real\n  count: 6\n');
  const env = { ...process.env, HARDENLAB_HOME: home };
  const failed = await run(process.execPath, [bin, 'testbed', 'up', '--config', file], { env }).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stderr).toContain(`${file}:5: nodes.count: real nodes: 1..5`);
  expect(await fs.readdir(home)).toEqual([]);
});
