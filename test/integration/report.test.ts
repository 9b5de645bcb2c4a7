/**
 * The comparison report end to end: the buildReport activity reads per-run scenario-data.json files made
 * from the real captured sysstat data, writes the four files, and headless Chromium opens report.html
 * from disk and shows the tables and SVG charts without a single network request.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { createReportActivities } from '../../activities/report';
import { fixtureExperiment } from '../unit/analysis/support/fixtures';
import { launchChromium, screenshotPath, type LaunchedBrowser } from '../support/browser';
import { tempDir } from '../support/tempDir';


describe('buildReport activity and report.html in Chromium', () => {
  let root: string;
  let result: Awaited<ReturnType<ReturnType<typeof createReportActivities>['buildReport']>>;
  const data = fixtureExperiment();

  beforeAll(async () => {
    root = await tempDir('hardenlab-report-');
    const experimentDir = join(root, 'exp-fixture');
    for (const run of data.scenarios) {
      const dir = join(experimentDir, run.scenario, String(run.repetition));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'scenario-data.json'), JSON.stringify(run));
    }
    const { buildReport } = createReportActivities({ artifactsRoot: root });
    result = await buildReport({ experimentId: 'exp-fixture', experimentDir: 'exp-fixture' });
  }, 120_000);

  it('writes report.html, report.md, summary.json and samples.csv', async () => {
    expect(result.summary).toEqual({ scenarios: 3, completed: 6, partial: false });
    for (const f of ['report.html', 'report.md', 'summary.json', 'samples.csv']) expect(existsSync(join(result.reportDir, f))).toBe(true);
    const summary = JSON.parse(await readFile(join(result.reportDir, 'summary.json'), 'utf8'));
    expect(summary.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual(['baseline', 'best-practices', 'security-tools']);
    expect(summary.series).toBeUndefined();
    expect(summary.scenarios[0].runs[0].nodes[0].cpu).toEqual(expect.objectContaining({ n: expect.any(Number), box: expect.any(Array) }));
    const csv = (await readFile(join(result.reportDir, 'samples.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe('run,scenario,repetition,node,time,metric,value');
    const expectedRows = data.scenarios.reduce((n, r) => n + r.nodes.reduce((m, x) => m + x.cpu.length + x.memory.length, 0), 0);
    expect(csv).toHaveLength(expectedRows + 1);
    expect(csv[1]).toMatch(/^exp-fixture,baseline,1,k8s-node-1,2026-11-2\dT[\d:.]+Z,cpu_used,[\d.]+$/);
    const md = await readFile(join(result.reportDir, 'report.md'), 'utf8');
    expect(md).toContain('## Mean resource use');
    expect(md).toMatch(/\| security-tools \| #1 \| cluster \|/);
  });

  it('renders in headless Chromium with tables and charts and makes no network request', async () => {
    let browser: LaunchedBrowser | undefined;
    try {
      browser = await launchChromium({ width: 1280, height: 900 });
      const page = await browser.context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(result.htmlPath).href;
      await page.goto(url, { waitUntil: 'load' });
      // For a person to look at: the page in 1800-px slices (.hardenlab/screenshots/report-*.png).
      const height = (await page.evaluate('document.body.scrollHeight')) as number;
      for (let y = 0, k = 0; y < height; y += 1800, k++) {
        await page.screenshot({ path: screenshotPath(`report-${k}`), fullPage: true, clip: { x: 0, y, width: 1280, height: Math.min(1800, height - y) } });
      }

      expect(requests).toEqual([url]);
      const headings = await page.locator('h2').allTextContents();
      expect(headings).toEqual(
        expect.arrayContaining(['Mean resource use', 'Boxplot outliers (stability)', 'Boot time', 'CPU and RAM over time', 'Boxplots side by side', 'Means with confidence intervals', 'Findings', 'Hardening evidence']),
      );
      const meanRows = page.locator('#mean-use tbody tr');
      expect(await meanRows.count()).toBe(6 * 4); // 3 scenarios × 2 repetitions × (3 nodes + cluster)
      expect(await page.locator('#mean-use tbody tr').first().locator('td').allTextContents()).toEqual(
        expect.arrayContaining(['baseline', '#1', 'k8s-node-1']),
      );
      // 2 headline charts, 6 runs × (CPU + RAM) time series, 2 boxplots, 2 means-with-CI charts
      const svgs = page.locator('svg');
      expect(await svgs.count()).toBe(18);
      const box = await svgs.nth(14).boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(await page.locator('svg >> text=security-tools #1: CPU used (100 − %idle), %').count()).toBe(1);
      expect(await page.locator('svg text', { hasText: 'kube-bench (cis)' }).count()).toBeGreaterThan(0);
      expect(await page.locator('#findings tbody tr').count()).toBe(6);
    } finally {
      await browser?.close();
    }
  }, 120_000);

  it('rejects malformed collected data as non-retryable, naming the file', async () => {
    const dir = join(root, 'bad');
    await mkdir(join(dir, 'baseline', '1'), { recursive: true });
    await writeFile(join(dir, 'baseline', '1', 'scenario-data.json'), JSON.stringify({ ...data.scenarios[0], status: 'done' }));
    const { buildReport } = createReportActivities({ artifactsRoot: root });
    const error = await buildReport({ experimentId: 'bad', experimentDir: 'bad' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain(join(dir, 'baseline', '1', 'scenario-data.json'));
    expect((error as ApplicationFailure).message).toContain('status');
    const outside = await buildReport({ experimentId: 'x', experimentDir: '/etc' }).catch((e: unknown) => e);
    expect((outside as ApplicationFailure).nonRetryable).toBe(true);
  });
});
