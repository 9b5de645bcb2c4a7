/**
 * test/runner/processGroup.js: what run-tests.js runs each jest lane with. A command past its deadline is
 * described (its process tree) and killed with everything it started; a command that ends takes what it left
 * running in its group with it.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const { runInGroup } = createRequire(__filename)('../../runner/processGroup.js') as {
  runInGroup: (cmd: string, args: string[], options?: { deadlineMs?: number; onHung?: (description: string) => void }) => Promise<number>;
};

/** Live processes whose command line is exactly these words. */
function processesRunning(...words: string[]): number[] {
  const wanted = words.join('\0');
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '') === wanted && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function gone(...words: string[]): Promise<number[]> {
  for (let i = 0; i < 50 && processesRunning(...words).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return processesRunning(...words);
}

test('past its deadline: the process tree is described, then the command and its children are killed (status 124)', async () => {
  const descriptions: string[] = [];
  const began = Date.now();
  const status = await runInGroup('sh', ['-c', 'sleep 987.25 & sleep 987.5; echo not reached'], { deadlineMs: 1_500, onHung: (d) => descriptions.push(d) });
  expect(status).toBe(124);
  expect(Date.now() - began).toBeLessThan(10_000);
  expect(descriptions).toHaveLength(1);
  expect(descriptions[0]).toMatch(/^load \d/);
  expect(descriptions[0]).toContain('sleep 987.25');
  expect(descriptions[0]).toContain('sleep 987.5');
  expect(await gone('sleep', '987.25')).toEqual([]);
  expect(await gone('sleep', '987.5')).toEqual([]);
});

test('a command that ends keeps its status, and what it left running in its group is stopped', async () => {
  const hung = jest.fn();
  expect(await runInGroup('sh', ['-c', 'sleep 876.25 & exit 3'], { deadlineMs: 60_000, onHung: hung })).toBe(3);
  expect(await gone('sleep', '876.25')).toEqual([]);
  expect(hung).not.toHaveBeenCalled();
});

test('a command that cannot start is a failure, not a hang', async () => {
  expect(await runInGroup('/nonexistent/hardenlab-command', [], { deadlineMs: 60_000 })).toBe(1);
});
