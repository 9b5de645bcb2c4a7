/** Long remote commands heartbeat while they run, and each step's budget covers its longest command. */
import { msToNumber } from '@temporalio/common/lib/time';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SADF_TIMEOUT_MS, SYSSTAT_INSTALL_TIMEOUT_MS } from '../../../activities/sampling';
import { heartbeatWhile } from '../../../src/temporal/heartbeat';
import { stepOptions } from '../../../workflows/activityOptions';

test('heartbeatWhile heartbeats while a slow command runs, and stops when it ends', async () => {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  // The command ends at the third heartbeat, not after a fixed time: a loaded machine delays timers, not the order.
  let finish: (value: string) => void = () => undefined;
  const slowCommand = new Promise<string>((resolve) => (finish = resolve));
  env.on('heartbeat', (d: unknown) => {
    beats.push(d);
    if (beats.length === 3) finish('done');
  });
  await expect(env.run(() => heartbeatWhile(slowCommand, { node: 'n1', installing: 'sysstat' }, 25))).resolves.toBe('done');
  expect(beats.length).toBeGreaterThanOrEqual(3);
  expect(beats[0]).toEqual({ node: 'n1', installing: 'sysstat' });
  const after = beats.length;
  await new Promise((r) => setTimeout(r, 80));
  expect(beats).toHaveLength(after);
});

test('a failing command still stops the heartbeats and fails the call', async () => {
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  const failing = new Promise((_, reject) => setTimeout(() => reject(new Error('E: Unable to locate package sysstat')), 60));
  await expect(env.run(() => heartbeatWhile(failing, {}, 20))).rejects.toThrow('Unable to locate package');
  const after = beats;
  await new Promise((r) => setTimeout(r, 60));
  expect(beats).toBe(after);
});

test('startSampling may install sysstat and collect may convert a day of 1 s samples within their budgets', () => {
  const start = stepOptions.startSampling;
  expect(msToNumber(start.startToCloseTimeout)).toBeGreaterThan(SYSSTAT_INSTALL_TIMEOUT_MS);
  expect(msToNumber(start.heartbeatTimeout)).toBeGreaterThan(20_000);
  expect(msToNumber(stepOptions.collect.startToCloseTimeout)).toBeGreaterThan(SADF_TIMEOUT_MS);
  expect(msToNumber(stepOptions.collect.heartbeatTimeout)).toBeGreaterThan(20_000);
});
