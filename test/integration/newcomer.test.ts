/**
 * The newcomer's path, end to end (issue #19): the test bed runs (`testbed up`), `hardenlab dev` starts with no
 * config file, and a person starts `{}` from the Temporal UI's start form. The dev worker is configured for
 * the test bed by itself, so the thesis's design (three scenarios, 24 h window at 600 s) starts on it: the
 * first scenario reaches its sampling window. Then the person cancels from the UI, reset runs (nothing of
 * the run is left on the cluster), and the timeline shows the scenario by name, its steps by what they do,
 * and the workflow list filters by scenario. Screenshots: .hardenlab/screenshots/newcomer-*.png.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { startDev, type RunningDev } from '../../src/cli/commands/devCommand';
import { hardenlabHome } from '../../src/config/paths';
import { SCENARIOS } from '../../src/domain/scenarios';
import type { ScenarioRecord } from '../../src/domain/contracts';
import { runIdFor, scenarioKey, scenarioWorkflowId } from '../../src/domain/naming';
import { experimentRunKey } from '../../src/store/runFolder';
import { planRepetitions, seedFromId } from '../../src/domain/plan';
import { experimentProgressQuery, scenarioProgressQuery } from '../../workflows/definitions';
import { launchChromium, screenshotPath, type LaunchedBrowser } from '../support/browser';
import { cancelRunning } from '../support/hardenlabStack';
import { deleteRunObjects, describeLeftover, listRunObjects } from '../support/leftovers';
import { tempDir } from '../support/tempDir';
import { startFromForm, waitFor } from '../support/temporalUi';
import { ensureTestbed, type Testbed } from '../support/testbed';
import { sharedWorkflowBundle } from '../support/workflowBundle';

const shot = (page: Page, name: string) => page.screenshot({ path: screenshotPath(`newcomer-${name}`), fullPage: true });
const DAY_MS = 86_400_000;

/**
 * An id whose seeded order starts with baseline: the test then waits for a window that starts after deploy
 * and start-sampling, not after security-tools' scans, and stays within about two minutes.
 */
function idStartingWithBaseline(): string {
  for (let i = 0; ; i++) {
    const id = `newcomer-${Date.now()}-${i}`;
    if (planRepetitions(SCENARIOS, 1, seedFromId(id))[0]!.order[0] === 'baseline') return id;
  }
}

describe('from `testbed up` and `hardenlab dev` to `{}` in the Web UI', () => {
  let testbed: Testbed;
  let home: string;
  let dev: RunningDev | undefined;
  let client: Client | undefined;
  let browser: LaunchedBrowser | undefined;
  const devLines: string[] = [];
  const workflowId = idStartingWithBaseline();
  const childId = scenarioWorkflowId(workflowId, 'baseline', 1);

  beforeAll(async () => {
    testbed = await ensureTestbed();
    home = await tempDir('hardenlab-newcomer-');
    // A data folder without config.yaml, as on a fresh clone; the test bed is the one `testbed up` runs.
    const env = { ...process.env, HARDENLAB_HOME: home, HARDENLAB_CONFIG: undefined };
    dev = await startDev(
      { port: 0, uiPort: 0, worker: true },
      { env, testbedHome: hardenlabHome(), log: (line) => devLines.push(line), workflowBundle: sharedWorkflowBundle },
    );
    client = new Client({ connection: await Connection.connect({ address: dev.server.address }), namespace: 'default' });
    browser = await launchChromium({ width: 1400, height: 1000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (client)
      await cancelRunning(client, 180_000).catch((err) => process.stderr.write(`[newcomer] cancelling runs: ${(err as Error).message}\n`));
    await deleteRunObjects(testbed.kubeconfigPath, runIdFor(childId)).catch(() => undefined);
    await client?.connection.close();
    await dev?.stop();
  }, 300_000);

  it('starts `{}` from the form, reaches the sampling window, cancels from the UI, resets, and names scenarios and steps', async () => {
    expect(devLines).toEqual(
      expect.arrayContaining([
        `No config file (${join(home, 'config.yaml')}): the worker is configured for the running test bed.`,
        `  kubeconfig ${testbed.kubeconfigPath}`,
        `  node map   ${testbed.nodeMapPath} (SSH key and known_hosts beside it)`,
      ]),
    );
    const page = await browser!.context.newPage();
    page.setDefaultTimeout(30_000);
    const began = Date.now();
    await startFromForm(page, { uiUrl: dev!.server.uiUrl, taskQueue: dev!.taskQueue, workflowId, input: '{}' });

    // The server got exactly `{}`, and the thesis's plan: three scenarios, a 24 h window sampled every 600 s.
    const handle = client!.workflow.getHandle(workflowId);
    await waitFor(
      'the workflow to exist',
      () =>
        handle.describe().then(
          () => true,
          () => false,
        ),
      30_000,
    );
    const started = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(JSON.parse(Buffer.from(started.data!).toString())).toEqual({});
    await waitFor('the plan', async () => (await handle.query(experimentProgressQuery)).phase === 'running', 60_000);
    const plan = await handle.query(experimentProgressQuery);
    expect(plan.scenarios.map((s) => s.scenario).sort()).toEqual([...SCENARIOS].sort());
    expect(plan.scenarios[0]!.scenario).toBe('baseline');

    // The first scenario reaches its sampling window: deployed on the test bed, sadc started on every node.
    const child = client!.workflow.getHandle(childId);
    let inWindow = await child.query(scenarioProgressQuery).catch(() => undefined);
    await waitFor(
      'the first scenario to reach its sampling window',
      async () => (inWindow = await child.query(scenarioProgressQuery).catch(() => undefined))?.window !== undefined,
      150_000,
    );
    const reachedSeconds = Math.round((Date.now() - began) / 1000);
    process.stderr.write(`[newcomer] the first scenario reached its sampling window ${reachedSeconds} s after Start Workflow\n`);
    expect(inWindow!.window!.endsAt - inWindow!.window!.startedAt).toBe(DAY_MS);
    expect((await listRunObjects(testbed.kubeconfigPath, runIdFor(childId))).map(describeLeftover)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Namespace hl-base-r1-/)]),
    );

    // Cancel as a person does: Request Cancellation on the experiment's page, then confirm.
    await page.goto(`${dev!.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, {
      waitUntil: 'domcontentloaded',
    });
    await page.getByRole('button', { name: 'Request Cancellation' }).click();
    await shot(page, 'cancel-dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /^Confirm/ })
      .click();
    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    // Reset ran: recorded ok, and nothing labelled with the run is left on the test bed.
    const experimentDir = experimentRunKey(workflowId, (await handle.describe()).runId);
    const record = JSON.parse(
      await readFile(join(home, scenarioKey(experimentDir, 'baseline', 1), 'scenario-record.json'), 'utf8'),
    ) as ScenarioRecord;
    expect(record.status).toBe('cancelled');
    expect(record.steps.find((s) => s.step === 'reset')).toEqual(expect.objectContaining({ status: 'ok' }));
    expect(record.reset!.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'Service']));
    expect(await listRunObjects(testbed.kubeconfigPath, runIdFor(childId))).toEqual([]);

    // The experiment's timeline names the scenario child; the child's names its steps, reset included.
    await page.goto(`${dev!.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, {
      waitUntil: 'domcontentloaded',
    });
    await page.getByText('baseline #1', { exact: true }).waitFor({ state: 'visible' });
    await page.getByText('buildReport • build the report').waitFor({ state: 'visible' });
    await shot(page, 'timeline');
    await page.goto(`${dev!.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(childId)}`, { waitUntil: 'domcontentloaded' });
    for (const step of [
      'startSampling • start sadc on every node, every 600 s',
      /^resetCluster • reset: delete hl-base-r1-[0-9a-f]{8} and the run's objects$/,
      'recordScenario • record baseline #1',
    ]) {
      await page.getByText(step).first().waitFor({ state: 'visible' });
    }
    await shot(page, 'scenario-timeline');

    // The workflow list filters by scenario (a search attribute the dev server registered).
    const query = 'HardenlabScenario="baseline"';
    await page.goto(`${dev!.server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`, {
      waitUntil: 'domcontentloaded',
    });
    await page.getByText(childId, { exact: true }).waitFor({ state: 'visible' });
    await shot(page, 'filtered-list');
    const listed: string[] = [];
    for await (const w of client!.workflow.list({ query })) listed.push(w.workflowId);
    expect(listed).toEqual([childId]);
  }, 240_000);
});
