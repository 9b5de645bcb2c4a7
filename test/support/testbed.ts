import * as fs from 'node:fs';
import * as path from 'node:path';
import { hardenlabHome } from '../../src/config/paths';
import { simDown, simUp } from '../../src/testbed';

/** What an integration test needs from the test bed: paths and names only, never secrets. */
export interface Testbed {
  kubeconfigPath: string;
  nodeMapPath: string;
  apiServerUrl: string;
  nodeNames: string[];
  /** True when this process started (part of) the test bed, so it should stop it afterwards. */
  startedHere: boolean;
}

// Jest runs globalSetup and globalTeardown in one process but separate module registries: keep the flag global.
const STARTED_KEY = '__hardenlabTestbedStartedHere';
type FlagHolder = { [STARTED_KEY]?: boolean };

/** One file per process using the test bed, so a run that started it does not stop it under another run. */
const usersDir = () => path.join(hardenlabHome(), 'sim-users');

function progress(line: string): void {
  process.stderr.write(`[testbed] ${line}\n`);
}

function otherLiveUsers(): number[] {
  if (!fs.existsSync(usersDir())) return [];
  return fs
    .readdirSync(usersDir())
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        fs.rmSync(path.join(usersDir(), String(pid)), { force: true });
        return false;
      }
    });
}

/**
 * Starts the test bed (building binaries on a cold cache, which takes many minutes) or reuses the
 * running one. Safe to call from every test file: a running test bed answers within seconds.
 */
export async function ensureTestbed(): Promise<Testbed> {
  const result = await simUp({ log: progress });
  const holder = globalThis as FlagHolder;
  if (result.started) holder[STARTED_KEY] = true;
  return {
    kubeconfigPath: result.kubeconfigPath,
    nodeMapPath: result.nodeMapPath,
    apiServerUrl: result.apiServerUrl,
    nodeNames: result.nodeNames,
    startedHere: holder[STARTED_KEY] === true,
  };
}

/** Records this process (a test run's globalSetup) as a user of the test bed until it stops. */
export function registerTestbedUser(): void {
  fs.mkdirSync(usersDir(), { recursive: true });
  fs.writeFileSync(path.join(usersDir(), String(process.pid)), '');
}

/**
 * Stops the test bed if this process started it and no other live process still uses it; returns
 * whether it stopped it. Throws if a test bed process survives the stop.
 */
export async function stopTestbedIfStartedHere(): Promise<boolean> {
  const holder = globalThis as FlagHolder;
  fs.rmSync(path.join(usersDir(), String(process.pid)), { force: true });
  if (holder[STARTED_KEY] !== true) return false;
  const others = otherLiveUsers();
  if (others.length > 0) {
    progress(`not stopping the test bed: processes ${others.join(', ')} still use it`);
    return false;
  }
  const { leftover } = await simDown({ log: progress });
  holder[STARTED_KEY] = false;
  if (leftover.length > 0) throw new Error(`test bed processes left running: ${leftover.map((p) => `${p.pid} ${p.command}`).join('; ')}`);
  return true;
}
