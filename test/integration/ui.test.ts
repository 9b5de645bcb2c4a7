/**
 * The real Temporal Web UI (served by the embedded dev server) in headless Chromium: a person opens the
 * prefilled start link, types a workflow id and a small JSON input, presses Start Workflow, and watches
 * the run until the UI says Completed; the report the run wrote exists. Screenshots: .hardenlab/screenshots/ui-*.png.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ExperimentResult } from '../../src/domain/progress';
import { TASK_QUEUE } from '../../src/config/workerConfig';
import { experimentProgressQuery } from '../../workflows/definitions';
import { launchChromium, screenshotPath, type LaunchedBrowser } from '../support/browser';
import { startHardenlabStack, type HardenlabStack } from '../support/hardenlabStack';
import { startFromForm, waitFor } from '../support/temporalUi';
import { ensureTestbed } from '../support/testbed';

const RUN_TIMEOUT_MS = 12 * 60_000;
const shot = (page: Page, name: string) => page.screenshot({ path: screenshotPath(`ui-${name}`), fullPage: true });

/**
 * The input a person would paste: one scenario (scenarios.test.ts runs every preset), on the test bed, with a
 * 60 s window sampled every 2 s so the run is still going while the test reads its details in the UI.
 */
const INPUT = {
  scenarios: ['baseline'],
  window: { durationSeconds: 60, intervalSeconds: 2, healthCheckSeconds: 10 },
  workload: { loadBalancerWaitSeconds: 5 },
};

describe('starting an experiment from the Temporal Web UI', () => {
  let stack: HardenlabStack | undefined;
  let browser: LaunchedBrowser | undefined;

  beforeAll(async () => {
    const testbed = await ensureTestbed();
    stack = await startHardenlabStack(testbed, 'ui');
    browser = await launchChromium({ width: 1400, height: 1100 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 330_000);

  it('fills the start-workflow form, submits, and sees the run Completed with a report', async () => {
    const { server, client } = stack!;
    const page = await browser!.context.newPage();
    page.setDefaultTimeout(30_000);
    const workflowId = `ui-${Date.now()}`;

    await startFromForm(page, { uiUrl: server.uiUrl, taskQueue: TASK_QUEUE, workflowId, input: JSON.stringify(INPUT), beforeStart: (p) => shot(p, 'form') });

    // The server has it, with exactly the JSON typed, as json/plain.
    const handle = client.workflow.getHandle(workflowId);
    await waitFor('the workflow to exist', () => handle.describe().then(() => true, () => false), 30_000);
    const description = await handle.describe();
    expect(description.type).toBe('securityExperiment');
    expect(description.taskQueue).toBe(TASK_QUEUE);
    const history = await handle.fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payload.data!).toString())).toEqual(INPUT);

    // Watch it in the UI until it says Completed (the page polls; reload now and then all the same).
    // (Not 'networkidle': the page of a running workflow keeps polling.)
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });
    const status = page.getByTestId('execution-status').first();
    await expectText(status, /Running|Completed/);
    await shot(page, 'running');
    // Current details in words (set by the workflows), under User Metadata: the experiment's phase, and a
    // running scenario's step and attempt.
    await page.getByTestId('user-metadata-tab').click();
    await expectCurrentDetails(page, new RegExp(`Experiment ${workflowId}: (resolving|running)`));
    await shot(page, 'experiment-details');
    const progress = await handle.query(experimentProgressQuery);
    const scenario = progress.scenarios.find((s) => s.status === 'running') ?? progress.scenarios[0]!;
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(scenario.workflowId)}`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('user-metadata-tab').click();
    await expectCurrentDetails(page, new RegExp(`${scenario.scenario} \\(repetition 1\\): \\w+[\\s\\S]*Step: [\\w-]+, attempt \\d+`));
    await shot(page, 'scenario-details');
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });

    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let shown = '';
    while (Date.now() < deadline) {
      shown = ((await status.textContent({ timeout: 30_000 }).catch(() => '')) ?? '').trim();
      if (!/Running/.test(shown)) break;
      await page.waitForTimeout(10_000);
      await page.reload({ waitUntil: 'domcontentloaded' }).catch(() => undefined);
    }
    await shot(page, 'finished');
    expect(shown).toBe('Completed');

    // The result names the report, which exists, and the UI shows the same path.
    const result = (await handle.result()) as ExperimentResult;
    expect(result.partial).toBe(false);
    expect(result.scenarios.map((s) => `${s.scenario}:${s.status}`)).toEqual(['baseline:completed']);
    expect(result.htmlPath).toBeDefined();
    expect(result.htmlPath!.startsWith(stack!.home)).toBe(true);
    expect(existsSync(result.htmlPath!)).toBe(true);
    const html = await readFile(result.htmlPath!, 'utf8');
    expect(html).toContain('baseline');
    // The UI's Result panel (a CodeMirror editor, which renders only the lines in view) ends with htmlPath.
    const resultEditor = page.locator('.cm-content', { hasText: '"experimentId"' }).last();
    await resultEditor.click();
    await page.keyboard.press('Control+End');
    const htmlLine = page.locator('.cm-line', { hasText: '"htmlPath"' });
    await htmlLine.waitFor({ state: 'visible', timeout: 15_000 });
    await shot(page, 'result');
    expect(await htmlLine.textContent()).toContain(JSON.stringify(result.htmlPath));
  }, RUN_TIMEOUT_MS + 120_000);
});

async function expectText(locator: ReturnType<Page['getByTestId']>, pattern: RegExp): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: 30_000 });
  expect((await locator.textContent()) ?? '').toMatch(pattern);
}

/** The "Current Details" panel is fetched on demand: press R (the UI's refresh key) until it shows the pattern. */
async function expectCurrentDetails(page: Page, pattern: RegExp): Promise<void> {
  await page.getByText('Current Details', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
  const deadline = Date.now() + 45_000;
  let text = '';
  while (Date.now() < deadline) {
    // The UI renders the details' markdown in a sandboxed iframe: read every frame.
    const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 5_000 }).catch(() => '')));
    text = texts.join(' ').replace(/\s+/g, ' ');
    if (pattern.test(text)) return;
    await page.keyboard.press('r');
    await page.waitForTimeout(2000);
  }
  await shot(page, 'details-missing');
  throw new Error(`Current Details did not show ${pattern} within 45 s; the page said: …${text.slice(-700)}`);
}
