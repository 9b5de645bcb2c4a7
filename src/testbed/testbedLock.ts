import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandLine, isAlive, readPidFile, sleep } from '../process/subprocess';

/** A holder counts while its pid runs node (every holder is a hardenlab CLI or a test process): a reused pid does not. */
function holderRuns(pid: number): boolean {
  return isAlive(pid) && /node|jest/.test(commandLine(pid));
}

/**
 * Creates the lock file with our pid already in it: written to a file of our own first, then hard-linked into
 * place, which fails with EEXIST while another holds it. So no one ever sees an empty lock file.
 */
function tryTake(lockPath: string): boolean {
  const own = `${lockPath}.${process.pid}.${Date.now()}`;
  fs.writeFileSync(own, String(process.pid), { mode: 0o600 });
  try {
    fs.linkSync(own, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot take the test bed lock ${lockPath}: ${(error as Error).message}`);
  } finally {
    fs.rmSync(own, { force: true });
  }
}

/** Removes a lock whose holder is gone, unless another waiter replaced it meanwhile (then it is put back). */
function breakStale(lockPath: string, holder: number): void {
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return; // another waiter moved it first
  }
  if (readPidFile(aside) === holder) fs.rmSync(aside, { force: true });
  else {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // a third process took the lock meanwhile: the one we moved is no holder's anymore
    }
    fs.rmSync(aside, { force: true });
  }
}

/**
 * A lock beside the test bed folder so two test runs do not start the test bed at once, and so a test that
 * stops a component on purpose is not mistaken for a broken test bed by another run's `testbedUp`. Waits up to
 * `waitMs` for a live holder; any error other than "held" fails at once.
 */
export async function withTestbedLock<T>(home: string, fn: () => Promise<T>, waitMs = 60 * 60_000): Promise<T> {
  fs.mkdirSync(home, { recursive: true });
  const lockPath = path.join(home, '.sim.lock');
  const deadline = Date.now() + waitMs;
  while (!tryTake(lockPath)) {
    const holder = readPidFile(lockPath);
    if (holder === undefined) {
      // Not written by this code (which never leaves it empty): an old version's half-made lock, or garbage.
      const age = Date.now() - (fs.statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 10_000) fs.rmSync(lockPath, { force: true });
    } else if (!holderRuns(holder)) {
      breakStale(lockPath, holder);
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${lockPath} is held by pid ${holder ?? '(unreadable)'} for over ${Math.round(waitMs / 1000)} s`);
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    if (readPidFile(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
  }
}
