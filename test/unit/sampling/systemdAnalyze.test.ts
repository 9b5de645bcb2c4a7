import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseSystemdAnalyze, parseTimespan, SystemdAnalyzeParseError } from '../../../src/analysis/parsers/systemdAnalyze';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/systemd-analyze', name), 'utf8');

describe('systemd-analyze', () => {
  it("reads the thesis's line: kernel + userspace, total as printed", () => {
    expect(parseSystemdAnalyze(fixture('thesis-bios.txt'))).toEqual({
      status: 'finished',
      phases: { kernel: 6.121, userspace: 3.296 },
      totalSeconds: 9.418,
      targetReached: { unit: 'multi-user.target', seconds: 3.283 },
    });
  });
  it('reads firmware, loader and initrd phases', () => {
    const parsed = parseSystemdAnalyze(fixture('uefi-initrd.txt'));
    expect(parsed).toMatchObject({
      status: 'finished',
      phases: { firmware: 7.241, loader: 2.866, kernel: 1.87, initrd: 4.432, userspace: 18.394 },
      totalSeconds: 34.805,
      targetReached: { unit: 'graphical.target', seconds: 18.358 },
    });
  });
  it('converts min, h and ms spans', () => {
    expect(parseSystemdAnalyze(fixture('minutes.txt'))).toMatchObject({ phases: { kernel: 3.96, userspace: 90.422 }, totalSeconds: 94.383 });
    expect(parseSystemdAnalyze(fixture('milliseconds.txt'))).toMatchObject({ phases: { kernel: 0.853, initrd: 2.004, userspace: 5.236 }, totalSeconds: 8.094 });
    expect(parseSystemdAnalyze(fixture('hours.txt'))).toMatchObject({ phases: { kernel: 2.105, userspace: 3723.5 }, totalSeconds: 3725.605 });
  });
  it('sums the phases when no total is printed (container: userspace only)', () => {
    expect(parseSystemdAnalyze(fixture('container.txt'))).toMatchObject({ phases: { userspace: 1.482 }, totalSeconds: 1.482 });
  });
  it('reports a boot that has not finished, with systemd\'s message', () => {
    const parsed = parseSystemdAnalyze(fixture('not-finished.txt'));
    expect(parsed.status).toBe('not-finished');
    expect(parsed.status === 'not-finished' && parsed.message).toMatch(/^Bootup is not yet finished .*Please try again later\./);
  });
  it('reports a host without systemd as unavailable', () => {
    expect(parseSystemdAnalyze(fixture('no-systemd.txt'))).toEqual({
      status: 'unavailable',
      reason: "System has not been booted with systemd as init system (PID 1). Can't operate.",
    });
  });
  it('refuses other text, naming the source', () => {
    expect(() => parseSystemdAnalyze('Graphical session ready\n', 'node-1')).toThrow(SystemdAnalyzeParseError);
    expect(() => parseSystemdAnalyze('Startup finished in 5 parsecs (kernel) = 5s', 'node-1')).toThrow(/node-1: not a systemd time span/);
  });
});

describe('time spans', () => {
  it.each([
    ['9.418s', 9.418],
    ['1min 2.345s', 62.345],
    ['853ms', 0.853],
    ['2h 1min', 7260],
    ['1d 1s', 86401],
    ['120us', 0.00012],
    ['500µs', 0.0005],
  ])('%s = %d s', (text, seconds) => {
    expect(parseTimespan(text)).toBeCloseTo(seconds, 9);
  });
  it('round-trips spans built from minutes, seconds and milliseconds', () => {
    fc.assert(
      fc.property(fc.nat(59), fc.nat(59), fc.nat(999), (min, s, ms) => {
        const text = [min ? `${min}min` : '', `${s}.${String(ms).padStart(3, '0')}s`].filter(Boolean).join(' ');
        expect(parseTimespan(text)).toBeCloseTo(min * 60 + s + ms / 1000, 6);
      }),
    );
  });
  it('refuses garbage', () => {
    expect(() => parseTimespan('')).toThrow();
    expect(() => parseTimespan('5 seconds')).toThrow();
    expect(() => parseTimespan('1.5s extra')).toThrow();
  });
});
