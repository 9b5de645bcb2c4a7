/**
 * The parent side of test/support/teamWorker.ts: starts a team's worker as a child process, waits until it
 * polls, reads the shared call log, and kills or stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import { repoRoot } from '../../src/config/paths';
import type { TeamCall, TeamWorkerArgs } from './teamWorker';

export interface TeamWorkerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startTeamWorker(args: TeamWorkerArgs, timeoutMs = 120_000): Promise<TeamWorkerProcess> {
  const child = spawn(process.execPath, ['-r', './test/support/registerTs.js', 'test/support/teamWorker.ts', JSON.stringify(args)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${args.name} did not start in ${timeoutMs / 1000} s: ${stderr}`)), timeoutMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"ready":true')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { pid: number }).pid);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${args.name} exited with ${code}: ${stderr}`));
    });
  });
  return {
    name: args.name,
    child,
    pid,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export function readCalls(callLog: string): TeamCall[] {
  if (!existsSync(callLog)) return [];
  return readFileSync(callLog, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as TeamCall);
}
