/**
 * Headless Chromium for integration tests: Debian's `chromium` driven by playwright-core (nothing is
 * downloaded), a fresh profile per launch, no background traffic — tests only touch 127.0.0.1.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.HARDENLAB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where tests put screenshots for a person to look at (not in .hardenlab/test-results: run-tests.js reads every file there as jest JSON). */
export const SCREENSHOTS_DIR = resolve(__dirname, '..', '..', '.hardenlab', 'screenshots');

/** The path for screenshot `<name>.png` (its folder made if missing). */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return join(SCREENSHOTS_DIR, `${name}.png`);
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** Closes Chromium and removes its profile folder. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh `--user-data-dir` (playwright passes the profile folder as that flag). */
export async function launchChromium(options: { width?: number; height?: number } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/setup.sh --test (installs Debian's chromium)`);
  const profile = await mkdtemp(join(tmpdir(), 'hardenlab-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      timeout: 60_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
