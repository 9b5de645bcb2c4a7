/**
 * Payload encryption on the real dev server with the real worker: the history holds no plaintext of the
 * input or results, a client without the key cannot read the result, and the codec server lets the
 * Temporal CLI and the Temporal Web UI (headless Chromium) decode it back.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { ExperimentResult } from '../../src/domain/progress';
import { temporalCliPath } from '../../src/temporal/binaries';
import { AesGcmCodec, dataConverterFor, loadKeyFile } from '../../src/temporal/codec';
import { startCodecServer } from '../../src/temporal/codecServer';
import { launchChromium, screenshotPath } from '../support/browser';
import { showHistory } from '../support/histories';
import { decodedStrings, pathsContaining } from '../support/historyScan';
import { tempDir } from '../support/tempDir';
import { ensureTestbed } from '../support/testbed';
import { workerConfigEnv } from '../support/workerConfig';
import { startWorkerRun, type WorkerRun } from '../support/workerRun';

jest.setTimeout(900_000);
const execFileAsync = promisify(execFile);

const suffix = Date.now().toString(36);
let dir: string;
let keyFile: string;
let run: WorkerRun;

beforeAll(async () => {
  await ensureTestbed();
  dir = await tempDir('hardenlab-codec-it-');
  keyFile = path.join(dir, 'payload.key');
  await fs.writeFile(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const dataConverter = await dataConverterFor({
    address: 'unused',
    namespace: 'default',
    taskQueue: 'unused',
    encryptionKeyPath: keyFile,
  });
  run = await startWorkerRun({ dir, taskQueue: `codec-${suffix}`, dataConverter, env: await workerConfigEnv(dir) });
});

afterAll(async () => {
  await run?.stop();
});

/** Words of the input and of the results that must not be readable without the key. */
const PLAINTEXT = [
  'loadBalancerWaitSeconds',
  'durationSeconds',
  'intervalSeconds',
  'sim-node-1',
  'kubeconfigPath',
  'nodeMapPath',
  'json/plain',
];

/**
 * The SDK's own local-activity marker record (sequence number, activity id and type, times) is json/plain
 * by design; the activity's result sits beside it under `details.result` and is encrypted. It still may
 * not contain any of the other words.
 *
 * A `patched()` marker (the patch id) and the TemporalChangeVersion search attribute that lists patch ids are
 * json/plain too: the SDK writes them unencoded so the server can index them. They hold patch names, nothing else.
 */
const SDK_BOOKKEEPING =
  /^events\.\d+\.(markerRecordedEventAttributes\.details\.(data|patch-data)\.payloads\.\d+|upsertWorkflowSearchAttributesEventAttributes\.searchAttributes\.indexedFields\.TemporalChangeVersion)\.metadata\.encoding$/;

test('an encrypted run: no plaintext in the history; the codec server decodes it for the CLI and the Web UI', async () => {
  const workflowId = `codec-${suffix}`;
  const input = {
    scenarios: ['baseline'],
    window: { durationSeconds: 20, intervalSeconds: 2, healthCheckSeconds: 10 },
    workload: { loadBalancerWaitSeconds: 5 },
  };
  const result: ExperimentResult = await run.client.workflow.execute('securityExperiment', {
    taskQueue: run.temporal.taskQueue,
    workflowId,
    args: [input as never],
    workflowExecutionTimeout: '10 minutes',
  });
  expect(result.scenarios.map((s) => `${s.scenario}:${s.status}`)).toEqual(['baseline:completed']);

  for (const id of [workflowId, result.scenarios[0]!.workflowId]) {
    const text = showHistory(run.server.address, id);
    const json = JSON.parse(text) as unknown;
    const leaks = PLAINTEXT.flatMap((word) =>
      pathsContaining(json, word)
        .filter((at) => !SDK_BOOKKEEPING.test(at))
        .map((at) => `${word} at ${at}`),
    );
    expect(leaks).toEqual([]);
    expect(text).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(text.length).toBeGreaterThan(1000);
  }

  // Without the key the result cannot be read, and the error says why.
  const keyless = new Client({ connection: run.client.connection, namespace: 'default' });
  await expect(keyless.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);

  const codec = new AesGcmCodec(await loadKeyFile(keyFile));
  const server = await startCodecServer({ codec });
  try {
    // Asynchronously: the codec server answers from this process's event loop.
    const { stdout: decoded } = await execFileAsync(
      temporalCliPath(process.env),
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--address',
        run.server.address,
        '--codec-endpoint',
        server.url,
        '--output',
        'json',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000, killSignal: 'SIGKILL' },
    );
    const readable = `${decoded}\n${decodedStrings(JSON.parse(decoded)).join('\n')}`;
    expect(readable).toContain('loadBalancerWaitSeconds');
    expect(readable).toContain('json/plain');
    expect(readable).not.toContain('binary/encrypted');

    await expectUiDecodes(workflowId, server.url);
  } finally {
    await server.close();
  }
});

test('failure messages are encrypted too: the history hides them, a client with the key reads them', async () => {
  const workflowId = `codec-failure-${suffix}`;
  const error = await run.client.workflow
    .execute('securityExperiment', {
      taskQueue: run.temporal.taskQueue,
      workflowId,
      args: [{ window: { durationSeconds: -7 } } as never],
      workflowExecutionTimeout: '2 minutes',
    })
    .then(
      () => undefined,
      (err: unknown) => err as WorkflowFailedError,
    );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(error!.cause?.message).toMatch(/invalid experiment input: window\.durationSeconds: /);
  const json = JSON.parse(showHistory(run.server.address, workflowId)) as unknown;
  expect(
    ['invalid experiment input', 'durationSeconds'].flatMap((word) => pathsContaining(json, word).map((at) => `${word} at ${at}`)),
  ).toEqual([]);
});

/** As an operator does it: the Temporal UI shows ciphertext, then the input in clear once its codec server setting points here. */
async function expectUiDecodes(workflowId: string, codecUrl: string): Promise<void> {
  const browser = await launchChromium({ width: 1400, height: 1000 });
  try {
    // Tests touch only 127.0.0.1: the UI's news feed and anything else outside is refused in the browser.
    await browser.context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    const page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    const decodeCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${codecUrl}/decode`)) decodeCalls.push(request.method());
    });
    await page.goto(`${run.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, {
      waitUntil: 'domcontentloaded',
    });
    const inputAndResult = page.getByTestId('input-and-result');
    await expect(inputAndResult.innerText()).resolves.toMatch(/Input/);
    expect(await inputAndResult.innerText()).not.toContain('loadBalancerWaitSeconds');

    await page.getByTestId('data-encoder-status').click();
    await page.getByTestId('use-local-endpoint-input').check();
    await page.getByTestId('data-encoder-endpoint-input').fill(codecUrl);
    await page
      .locator('dialog, [role=dialog]')
      .filter({ has: page.getByTestId('data-encoder-title') })
      .getByTestId('confirm-modal-button')
      .click();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page
      .getByTestId('input-and-result')
      .filter({ hasText: 'loadBalancerWaitSeconds' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('input-and-result').innerText()).toMatch(/"experimentId"/);
    expect(decodeCalls.length).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('codec-ui'), fullPage: true });
  } finally {
    await browser.close();
  }
}
