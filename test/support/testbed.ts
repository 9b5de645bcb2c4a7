import * as fs from 'node:fs';
import * as path from 'node:path';
import { hardenlabHome } from '../../src/config/paths';
import { testbedDown, type TestbedInstance } from '../../src/testbed';
import { recordedTestbedInstance } from '../../src/testbed/instanceRecord';
import { laneHome, startLaneTestbed } from './lane';
import { LANE_SETUP_FAILURE_ENV, notRunMessage } from './testRun';

/** What an integration test needs from the test bed: paths and names only, never secrets. */
export interface Testbed {
  kubeconfigPath: string;
  nodeMapPath: string;
  apiServerUrl: string;
  nodeNames: string[];
  /** The lane's data folder and its test bed's instance (ports, addresses: never a user's). */
  home: string;
  instance: TestbedInstance;
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
 * Starts the lane's test bed in the lane's data folder (building binaries on a cold cache, which takes many
 * minutes) or reuses the running one. Safe to call from every test file: a running test bed answers within seconds.
 */
export async function ensureTestbed(): Promise<Testbed> {
  const failure = process.env[LANE_SETUP_FAILURE_ENV];
  if (failure) throw new Error(notRunMessage('integration', failure));
  const home = hardenlabHome();
  // Never a user's data folder: the lane's globalSetup moves the run to the lane's own.
  if (home !== laneHome('integration'))
    throw new Error(`the shared lane's test bed lives in ${laneHome('integration')} (its globalSetup sets HARDENLAB_HOME), not in ${home}`);
  const result = await startLaneTestbed({ home, log: progress });
  const instance = recordedTestbedInstance(home);
  if (!instance) throw new Error(`the lane's test bed in ${home} has no recorded instance`);
  const holder = globalThis as FlagHolder;
  if (result.started) holder[STARTED_KEY] = true;
  return {
    kubeconfigPath: result.kubeconfigPath,
    nodeMapPath: result.nodeMapPath,
    apiServerUrl: result.apiServerUrl,
    nodeNames: result.nodeNames,
    home,
    instance,
    startedHere: holder[STARTED_KEY] === true,
  };
}

/** A set-up that failed may have started part of the test bed: teardown removes it as if started here. */
export function markStartedHere(): void {
  (globalThis as FlagHolder)[STARTED_KEY] = true;
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
  const { leftover } = await testbedDown({ env: process.env, log: progress });
  holder[STARTED_KEY] = false;
  if (leftover.length > 0) throw new Error(`test bed processes left running: ${leftover.map((p) => `${p.pid} ${p.command}`).join('; ')}`);
  return true;
}
