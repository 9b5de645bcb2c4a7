import { SysstatParseError, detectSysstatFormat, parseHeaderDate, parseSysstat } from '../../../src/analysis/parsers';
import { RENDERED_FILES, allFixtures, fixtureText, parseFixture } from './support/fixtures';

const iso = (ms: number) => new Date(ms).toISOString();

describe('sysstat parsers on fixtures captured from the real sysstat package', () => {
  it.each(allFixtures())('%s parses and is detected by content', (name) => {
    const parsed = parseFixture(name);
    const expected = name.endsWith('.json') ? 'sadf-json' : name.endsWith('.csv') ? 'sadf-csv' : 'sar-text';
    expect(parsed.format).toBe(expected);
    expect(parsed.cpu.length + parsed.memory.length).toBeGreaterThan(0);
    for (const series of [parsed.cpu, parsed.memory]) {
      for (let i = 1; i < series.length; i++) expect(series[i]!.time).toBeGreaterThan(series[i - 1]!.time);
    }
  });

  describe.each(RENDERED_FILES)('every rendering of %s yields the same samples', (base) => {
    const reference = { cpu: parseFixture(`${base}.sadf-d-u.csv`), ram: parseFixture(`${base}.sadf-d-r.csv`) };
    const renderings = allFixtures().filter((f) => f.startsWith(`${base}.`));
    it.each(renderings)('%s', (name) => {
      const parsed = parseFixture(name);
      expect(parsed.host).toBe(base.split('.')[0]);
      // `-u ALL` (and sar -A) split %irq/%soft out of %sys, so only the time, %idle and CPU used must agree there;
      // sar -A's memory report is `-r ALL`, with more columns.
      const wide = /-all|\.sar-A\./.test(name);
      const pick = (c: typeof parsed.cpu) => (wide ? c.map(({ time, idle, used }) => ({ time, idle, used })) : c);
      const pickMemory = (m: typeof parsed.memory) => (wide ? m.map(({ time, memUsedPercent }) => ({ time, memUsedPercent })) : m);
      // The file name says which reports a rendering holds: -u (CPU), -r (memory), -ur and sar -A (both).
      const report = name.slice(base.length);
      const holdsCpu = /-ur?\b/.test(report) || /\.sar-A\./.test(name);
      const holdsMemory = /-u?r\b/.test(report) || /\.sar-A\./.test(name);
      expect(pick(parsed.cpu)).toEqual(holdsCpu ? pick(reference.cpu.cpu) : []);
      expect(pickMemory(parsed.memory)).toEqual(holdsMemory ? pickMemory(reference.ram.memory) : []);
      expect(parsed.restarts).toEqual(reference.cpu.restarts);
    });
  });

  it('reads the day rollover and the LINUX RESTART mark', () => {
    const p = parseFixture('k8s-node-1.sa26.sar-u.12h.txt');
    expect(iso(p.cpu[0]!.time)).toBe('2026-11-26T23:59:11.000Z');
    expect(p.cpu.some((s) => iso(s.time) === '2026-11-27T00:00:00.000Z')).toBe(true);
    expect(iso(p.cpu.at(-1)!.time)).toBe('2026-11-27T00:01:14.000Z');
    expect(p.restarts.map(iso)).toEqual(['2026-11-27T00:00:30.000Z']);
    // no sample between the end of the first sadc run and the restart
    expect(p.cpu.filter((s) => s.time > Date.parse('2026-11-27T00:00:20Z') && s.time < Date.parse('2026-11-27T00:00:35Z'))).toEqual([]);
  });

  it('reads a -s/-e window: sadf -j ends with an empty record, skipped and counted; the samples are the window of the whole file', () => {
    const whole = parseFixture('k8s-node-4.sa28.sadf-j-ur.json');
    const [from, to] = [Date.parse('2026-11-28T10:00:20Z'), Date.parse('2026-11-28T10:01:20Z')];
    for (const form of ['sadf-j-u', 'sadf-j-r', 'sadf-j-ur']) {
      const name = `k8s-node-4.sa28-window.${form}.json`;
      expect(fixtureText(name)).toMatch(/\{\s*\}\s*\]/); // sadf's own output really ends so
      const p = parseFixture(name);
      expect(p.emptyRecords).toBe(1);
      if (form !== 'sadf-j-r') expect(p.cpu).toEqual(whole.cpu.filter((s) => s.time > from && s.time <= to));
      if (form !== 'sadf-j-u') expect(p.memory).toEqual(whole.memory.filter((s) => s.time > from && s.time <= to));
    }
    const window = parseFixture('k8s-node-4.sa28-window.sadf-j-ur.json');
    expect(window.cpu).toHaveLength(49);
    expect(window.restarts.map(iso)).toEqual(['2026-11-28T10:00:45.000Z']);
    expect(whole.emptyRecords).toBe(0);
    expect(parseFixture('k8s-node-4.sa28-window.sadf-d-u.csv').emptyRecords).toBe(0);
  });

  it('reads a file whose sampler restarted with another CPU count, and sar -A with every activity over one span', () => {
    expect(fixtureText('k8s-node-4.sa28.sar-u.txt')).toMatch(/\(1 CPU\)[\s\S]*LINUX RESTART\s+\(2 CPU\)/);
    const sarA = parseFixture('k8s-node-4.sa28.sar-A.txt');
    const reference = parseFixture('k8s-node-4.sa28.sadf-d-u.csv');
    expect(sarA.cpu.map((s) => [s.time, s.used])).toEqual(reference.cpu.map((s) => [s.time, s.used]));
    const ram = (m: typeof sarA.memory) => m.map((s) => [s.time, s.memUsedPercent, s.fields.kbmemused]);
    expect(ram(sarA.memory)).toEqual(ram(parseFixture('k8s-node-4.sa28.sadf-d-r.csv').memory));
    // each activity's section restarts at the file's first time: that is not the next day
    expect(sarA.restarts.map(iso)).toEqual(['2026-11-28T10:00:45.000Z']);
    expect(iso(sarA.cpu.at(-1)!.time)).toBe('2026-11-28T10:01:39.000Z');
  });

  it('reads 12-hour times across noon', () => {
    const p = parseFixture('k8s-node-2.sa27.sar-u.12h.txt');
    expect(fixtureText('k8s-node-2.sa27.sar-u.12h.txt')).toMatch(/12:00:0\d PM/);
    expect(iso(p.cpu[0]!.time)).toBe('2026-11-27T11:59:21.000Z');
    expect(iso(p.cpu.at(-1)!.time)).toBe('2026-11-27T12:00:39.000Z');
  });

  it('reads several days in one file (two runs of sar concatenated)', () => {
    const p = parseFixture('k8s-node-1.multi-day.sar-u.txt');
    const day26 = parseFixture('k8s-node-1.sa26.sar-u.txt');
    const day27 = parseFixture('k8s-node-1.sa27.sar-u.txt');
    expect(p.cpu).toEqual([...day26.cpu, ...day27.cpu]);
    expect(iso(p.cpu.at(-1)!.time)).toBe('2026-11-27T09:00:29.000Z');
  });

  it('computes CPU used as 100 - %idle without rounding, as R does', () => {
    const p = parseSysstat(
      'Linux 5.4.0 (n1) \t05/12/21 \t_x86_64_\t(2 CPU)\n\n10:00:00 CPU %user %nice %system %iowait %steal %idle\n10:00:01 all 0.50 0.00 0.50 0.00 0.00 98.99\n',
      { file: 'x' },
    );
    expect(p.cpu[0]!.used).toBe(100 - 98.99);
    expect(p.cpu[0]!.used).not.toBe(1.01);
  });

  it('reads sar header dates in the forms sar prints', () => {
    expect(parseHeaderDate('11/26/26')).toEqual({ year: 2026, month: 11, day: 26 });
    expect(parseHeaderDate('05/12/2021')).toEqual({ year: 2021, month: 5, day: 12 });
    expect(parseHeaderDate('2026-11-26')).toEqual({ year: 2026, month: 11, day: 26 });
    expect(parseHeaderDate('26.11.2026')).toEqual({ year: 2026, month: 11, day: 26 });
    expect(parseHeaderDate('26/11/2026')).toEqual({ year: 2026, month: 11, day: 26 });
    expect(parseHeaderDate('13/13/2026')).toBeUndefined();
  });

  it('applies a UTC offset to sar text, which carries no zone', () => {
    const text = fixtureText('k8s-node-2.sa27.sar-u.txt');
    const utc = parseSysstat(text, { file: 'f' });
    const cet = parseSysstat(text, { file: 'f', utcOffsetMinutes: 60 });
    expect(cet.cpu[0]!.time).toBe(utc.cpu[0]!.time - 3_600_000);
  });
});

describe('malformed sysstat data is an error naming file, line and expectation, never a silent truncation', () => {
  const expectError = (text: string, line: number, expected: RegExp) => {
    let error: unknown;
    try {
      parseSysstat(text, { file: 'node-1.sar' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SysstatParseError);
    const e = error as SysstatParseError;
    expect(e.file).toBe('node-1.sar');
    expect(e.line).toBe(line);
    expect(e.expected).toMatch(expected);
    expect(e.message).toContain(`node-1.sar:${line}: expected`);
  };
  const lines = (name: string) => fixtureText(name).split('\n');

  it('a sar text file cut in the middle of a row', () => {
    const l = lines('k8s-node-3.sa27.sar-u.txt').slice(0, 40);
    l[39] = l[39]!.slice(0, 30);
    expectError(l.join('\n'), 40, /values as in the column header on line 3/);
  });
  it('a sar text file with a garbled number', () => {
    const l = lines('k8s-node-3.sa27.sar-r.txt');
    l[10] = l[10]!.replace(/ (\d+) /, ' 12x4 ');
    expectError(l.join('\n'), 11, /a number in column/);
  });
  it('a foreign line inside a sar file', () => {
    const l = lines('k8s-node-1.sa26.sar-u.txt');
    l.splice(20, 0, 'Segmentation fault (core dumped)');
    expectError(l.join('\n'), 21, /sar header|timed row/);
  });
  it('data before any header', () => {
    expectError('10:00:01 all 1 2 3 4 5 6\n', 1, /header/);
  });
  it('a sadf -d file with a truncated row', () => {
    const l = lines('k8s-node-2.sa27.sadf-d-r.csv');
    l[30] = l[30]!.split(';').slice(0, 7).join(';');
    expectError(l.join('\n'), 31, /fields as in the header on line 1/);
  });
  it('a sadf -d row with a bad timestamp', () => {
    const l = lines('k8s-node-2.sa27.sadf-d-u.csv');
    l[5] = l[5]!.replace(/2026-11-27 /, '2026-11-27T');
    expectError(l.join('\n'), 6, /timestamp/);
  });
  it('sadf -j cut short', () => {
    const text = fixtureText('k8s-node-1.sa26.sadf-j-ur.json');
    expect(() => parseSysstat(text.slice(0, text.length / 2), { file: 'x.json' })).toThrow(SysstatParseError);
  });
  it('sadf -j with a missing value names the statistics entry line', () => {
    const text = fixtureText('k8s-node-1.sa26.sadf-j-u.json');
    const broken = text.replace('"idle": 85.93', '"idle": "85.93"');
    expect(broken).not.toBe(text);
    const lineOfEntry = text.split('\n').findIndex((l) => l.includes('"time": "23:59:11"')) + 1;
    expectError(broken, lineOfEntry, /"idle"/);
  });
  it('an empty file and a file of another kind', () => {
    expectError('', 1, /sysstat data/);
    expectError('\n\nhello world\n', 3, /sysstat data/);
    expect(detectSysstatFormat('# hostname;interval;timestamp;CPU;%idle\n', 'f')).toBe('sadf-csv');
  });
});
