import fc from 'fast-check';
import { SysstatParseError, parseSysstat } from '../../../src/analysis/parsers';
import { fixtureText } from './support/fixtures';

/** The only failure a parser may produce. */
function parsesOrRejects(text: string): void {
  try {
    parseSysstat(text, { file: 'prop' });
  } catch (error) {
    if (!(error instanceof SysstatParseError)) throw error;
  }
}

const seeds = [
  fixtureText('k8s-node-1.sa26.sar-ur.txt').slice(0, 3000),
  fixtureText('k8s-node-1.sa26.sar-u.12h.txt').slice(0, 2000),
  fixtureText('k8s-node-2.sa27.sadf-d-r.csv').slice(0, 2000),
  fixtureText('k8s-node-1.sa26.sadf-j-ur.json').slice(0, 4000),
  fixtureText('k8s-node-1.sa26.sadf-j-u.json'),
];

describe('parsers: no input crashes them with anything but SysstatParseError', () => {
  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), parsesOrRejects), { numRuns: 2000 });
  });
  it('arbitrary lines built from sysstat tokens', () => {
    const token = fc.constantFrom('Linux', '5.4.0', '(n1)', '11/26/26', '2026-11-26', '12:00:01', 'AM', 'PM', 'all', 'CPU', '%idle', '%user', '%memused', 'kbmemfree', 'LINUX', 'RESTART', 'Average:', '0.00', '99,50', '-1', '#', ';', 'hostname;interval;timestamp', '{', '}', '"sysstat"', '\t', '13:61:99', '1e309');
    const line = fc.array(token, { maxLength: 9 }).map((t) => t.join(' '));
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), (lines) => parsesOrRejects(lines.join('\n'))), { numRuns: 2000 });
  });
  it('real files with bytes replaced, deleted or cut', () => {
    const mutated = fc
      .record({ seed: fc.constantFrom(...seeds), at: fc.nat(), len: fc.nat({ max: 40 }), insert: fc.string({ maxLength: 12 }) })
      .map(({ seed, at, len, insert }) => {
        const i = at % (seed.length + 1);
        return seed.slice(0, i) + insert + seed.slice(i + len);
      });
    fc.assert(fc.property(mutated, parsesOrRejects), { numRuns: 1500 });
  });
  it('JSON documents of the wrong shape', () => {
    fc.assert(fc.property(fc.json(), (json) => parsesOrRejects(json)), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.anything(), (value) => parsesOrRejects(JSON.stringify({ sysstat: { hosts: [{ nodename: 'n', statistics: [value] }] } }) ?? '')),
      { numRuns: 1000 },
    );
  });
});

describe('sar text numbers read exactly as Number() (and R) read them', () => {
  it('any decimal, with point or comma, 12- or 24-hour clock', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 4 }), fc.boolean())
      .map(([negative, mantissa, fraction, comma]) => {
        const digits = mantissa.toString().padStart(fraction + 1, '0');
        const text = fraction ? `${digits.slice(0, -fraction)}${comma ? ',' : '.'}${digits.slice(-fraction)}` : digits;
        return negative ? `-${text}` : text;
      });
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 11, maxLength: 11 }), fc.boolean(), (values, twelveHour) => {
        const time = twelveHour ? '12:00:01 AM' : '00:00:01';
        const text = `Linux 5.4 (n1) \t05/12/21 \t_x86_64_\t(2 CPU)\n\n${time} kbmemfree kbavail kbmemused %memused kbbuffers kbcached kbcommit %commit kbactive kbinact kbdirty\n${time} ${values.join('   ')}\n`;
        const parsed = parseSysstat(text, { file: 'p' });
        const expected = values.map((v) => Number(v.replace(',', '.')));
        expect(parsed.memory[0]!.memUsedPercent).toBe(expected[3]);
        expect(Object.values(parsed.memory[0]!.fields)).toEqual([...expected.slice(0, 3), ...expected.slice(4)]);
      }),
      { numRuns: 2000 },
    );
  });
});
