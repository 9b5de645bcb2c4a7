/**
 * The report as a person sees it: report.html built by the buildReport activity from the real captured sysstat
 * data and the real kube-bench and kube-hunter reports, opened from disk in headless Chromium at desktop and phone
 * widths. The first screen must carry the answer (one sentence per scenario), the headline chart and the trust
 * box before any table. The pictures are kept under .hardenlab/screenshots/ for a person to look at.
 * Needs no test bed (the integration-nobed project, in the fast tier).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { createReportActivities } from '../../activities/report';
import { fixtureExperimentWithTools } from '../unit/analysis/support/fixtures';
import { launchChromium, screenshotPath } from '../support/browser';
import { tempDir } from '../support/tempDir';

describe('report.html first screen in Chromium at desktop and phone widths', () => {
  let root: string;
  let htmlUrl: string;

  beforeAll(async () => {
    root = await tempDir('hardenlab-screens-');
    const data = fixtureExperimentWithTools();
    for (const run of data.scenarios) {
      const dir = join(root, 'exp-screens', run.scenario, String(run.repetition));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'scenario-data.json'), JSON.stringify(run));
    }
    const result = await createReportActivities({ artifactsRoot: root }).buildReport({ experimentId: 'exp-screens', experimentDir: 'exp-screens' });
    htmlUrl = pathToFileURL(result.htmlPath).href;
  }, 120_000);

  const top = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!.y;

  // On the desktop the answer, the headline chart and the trust box share the first screen; a phone stacks them.
  it.each([
    ['desktop', 1280, 900, true],
    ['phone', 390, 844, false],
  ] as const)('%s (%i px): sentences, headline chart and trust box come before the first table', async (name, width, height, allOnFirstScreen) => {
    const browser = await launchChromium({ width, height });
    try {
      const page = await browser.context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(htmlUrl, { waitUntil: 'load' });
      await page.screenshot({ path: screenshotPath(`report-${name}-${width}`) });
      await page.screenshot({ path: screenshotPath(`report-${name}-${width}-top`), fullPage: true, clip: { x: 0, y: 0, width, height: height * 3 } });
      expect(requests).toEqual([htmlUrl]);

      const sentences = page.locator('#answer li');
      expect(await sentences.count()).toBe(3);
      expect(await sentences.nth(2).textContent()).toMatch(/^security-tools used [\d.]+ CPU points (more|less) than baseline \(95 % CI .+, Welch p [=<] [\d.]+, 2 repetitions\)/);
      const charts = page.locator('#headline svg');
      expect(await charts.count()).toBe(2);
      expect(await page.locator('#headline svg text', { hasText: 'thesis 12.3' }).count()).toBe(1);
      const trust = page.locator('#trust li');
      expect(await trust.count()).toBe(6);
      expect(await page.locator('#trust li[data-trust="shared-host"]').textContent()).toContain('nodes share one host: per-node figures are not independent');

      const firstTable = await top(page, 'table');
      for (const selector of ['#answer', '#headline svg', '#trust']) expect(await top(page, selector)).toBeLessThan(firstTable);
      expect(await top(page, '#headline svg')).toBeLessThan(height);
      expect((await top(page, '#trust')) < height).toBe(allOnFirstScreen);
      // Where the trust box falls below the first screen, a line under the answer names its checks.
      expect(await page.locator('.trust-pointer').isVisible()).toBe(!allOnFirstScreen);
      expect(await page.locator('.trust-pointer').textContent()).toBe(
        'Before trusting these figures, 4 checks: nodes share one host; 1 sampling gap, 5 s without samples; same scenario order in every repetition; window 2 min, shorter than the thesis’s 24 h.',
      );
      // Nothing is wider than the screen: charts scale down, wide tables scroll inside their own box.
      for (let k = 0; k < 2; k++) {
        const box = (await charts.nth(k).boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        expect(box.width).toBeGreaterThan(Math.min(300, width - 60));
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      // Findings are collapsed by default.
      expect(await page.locator('#findings-detail details').count()).toBe(2);
      expect(await page.locator('#findings-detail details[open]').count()).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('dark mode: the page follows prefers-color-scheme and the charts keep a light background', async () => {
    const browser = await launchChromium({ width: 1280, height: 900 });
    try {
      const page = await browser.context.newPage();
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(htmlUrl, { waitUntil: 'load' });
      await page.screenshot({ path: screenshotPath('report-desktop-1280-dark') });
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(21, 23, 26)');
      expect(await page.evaluate("getComputedStyle(document.querySelector('#headline svg')).backgroundColor")).toBe('rgb(255, 255, 255)');
      await page.emulateMedia({ media: 'print', colorScheme: 'light' });
      expect(await page.evaluate("getComputedStyle(document.querySelector('#mean-use')).breakBefore")).toBe('page');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
