/**
 * The Prometheus text reader and the histogram differences (issue 27), against two real scrapes of a KWOK test
 * bed's API server (test/fixtures/load/record.ts): six pods created in a namespace where Pod Security enforces
 * `restricted`, and one it refused, between the scrapes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ADMISSION_CONTROLLER_FAMILY,
  admissionCost,
  bucketQuantile,
  histogramWindow,
  parsePromText,
  PromTextError,
  type PromScrape,
} from '../../../../src/analysis/load';

const fixtures = path.join(__dirname, '../../../fixtures/load');
const text = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const beforeText = text('kwok-apiserver-metrics.before.txt');
const afterText = text('kwok-apiserver-metrics.after.txt');
const before = parsePromText(beforeText, 'before');
const after = parsePromText(afterText, 'after');

/** An independent reading of the fixture: the `_count` lines of a family whose labels contain `match`, summed. */
function countLines(source: string, family: string, match: string): number {
  return source
    .split('\n')
    .filter((line) => line.startsWith(`${family}_count{`) && line.includes(match))
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const increase = (match: string) =>
  countLines(afterText, ADMISSION_CONTROLLER_FAMILY, match) - countLines(beforeText, ADMISSION_CONTROLLER_FAMILY, match);

describe('the Prometheus text format, strictly', () => {
  test('reads every sample line of a real scrape, with its TYPE', () => {
    const sampleLines = afterText.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
    expect(after.samples).toHaveLength(sampleLines);
    expect(after.types.get(ADMISSION_CONTROLLER_FAMILY)).toBe('histogram');
    const refused = after.samples.find((s) => s.labels.name === 'PodSecurity' && s.labels.le === '+Inf' && s.labels.rejected === 'true');
    expect(refused).toMatchObject({
      name: `${ADMISSION_CONTROLLER_FAMILY}_bucket`,
      labels: { operation: 'CREATE', type: 'validate' },
      value: 1,
    });
  });

  test('label escapes, special values and timestamps', () => {
    const labelled = 'x{path="C:\\\\DIR",msg="say \\"hi\\"\\n"} +Inf 1395066363000';
    const scrape = parsePromText(`# HELP x a help line\n${labelled}\ny -Inf\nz NaN\nw 1.5e-3\n`);
    expect(scrape.samples.map((s) => [s.name, { ...s.labels }, s.value])).toEqual([
      ['x', { path: 'C:\\DIR', msg: 'say "hi"\n' }, Infinity],
      ['y', {}, -Infinity],
      ['z', {}, NaN],
      ['w', {}, 0.0015],
    ]);
  });

  test.each([
    ['garbage line here', 3, '"line" is not a number (garbage)'],
    ['x{a="b} 1', 3, "label a's value has no closing quote"],
    ['x{a="b"} abc', 3, '"abc" is not a number (x)'],
    ['x{a="b",a="c"} 1', 3, 'label a appears twice'],
    ['x{a="\\q"} 1', 3, 'label a: unknown escape \\q'],
    ['x{9a="b"} 1', 3, 'expected a label name at column 3'],
    ['x 1 1.5', 3, 'timestamp "1.5" is not an integer (x)'],
    ['# TYPE x histogrum', 3, 'unknown metric type "histogrum"'],
    ['{a="b"} 1', 3, 'a sample must start with a metric name'],
  ])('refuses %j, naming the line', (bad, line, detail) => {
    const source = `# TYPE ok counter\nok 1\n${bad}\nok 2\n`;
    const error = (() => {
      try {
        parsePromText(source, 'scrape.txt');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PromTextError);
    expect((error as PromTextError).message).toBe(`scrape.txt:${line}: ${detail}`);
  });
});

describe('histogram differences between two scrapes', () => {
  const cost = admissionCost(before, after);

  test('PodSecurity: the window holds exactly the increase of its counters, nonzero where it enforced', () => {
    const podSecurity = cost.controllers.find((c) => c.labels.name === 'PodSecurity')!;
    const expected = increase('name="PodSecurity"');
    expect(expected).toBeGreaterThanOrEqual(7);
    expect(podSecurity.count).toBe(expected);
    expect(podSecurity.sum).toBeGreaterThan(0);
    expect(podSecurity.mean).toBeCloseTo(podSecurity.sum / podSecurity.count, 15);
    expect(podSecurity.resets).toBe(0);
  });

  test('every controller of the scrape is listed once, each count the increase of its counters', () => {
    const counts = after.samples.filter((s) => s.name === `${ADMISSION_CONTROLLER_FAMILY}_count`);
    const names = [...new Set(counts.map((s) => s.labels.name!))].sort();
    expect(cost.controllers.map((c) => c.labels.name)).toEqual(names);
    for (const c of cost.controllers) {
      const match = `name="${c.labels.name}"`;
      expect([c.labels.name, c.count]).toEqual([c.labels.name, increase(match)]);
    }
  });

  test('pod creates as the API server timed them: the six admitted pods and the refused one', () => {
    expect(cost.podCreates).toHaveLength(1);
    const creates = cost.podCreates[0]!;
    expect(creates.count).toBe(7);
    expect(creates.quantiles.p50).toBeGreaterThan(0);
    expect(creates.quantiles.p50!).toBeLessThanOrEqual(creates.quantiles.p99!);
  });

  test('no webhook is registered on the test bed: no webhook rows', () => {
    expect(after.samples.some((s) => s.name.startsWith('apiserver_admission_webhook'))).toBe(false);
    expect(cost.webhooks).toEqual([]);
  });

  const scrape = (lines: string[]): PromScrape => parsePromText(`# TYPE h histogram\n${lines.join('\n')}\n`);
  const series = (name: string, buckets: [string, number][], sum: number) => [
    ...buckets.map(([le, v]) => `h_bucket{name="${name}",op="CREATE",le="${le}"} ${v}`),
    `h_sum{name="${name}",op="CREATE"} ${sum}`,
    `h_count{name="${name}",op="CREATE"} ${buckets.at(-1)![1]}`,
  ];

  test('a webhook series new in the second scrape counts whole; one that went down (a restart) counts its after-values', () => {
    const old = scrape(
      series(
        'policy.example',
        [
          ['0.1', 5],
          ['1', 9],
          ['+Inf', 10],
        ],
        3,
      ),
    );
    const now = scrape([
      ...series(
        'policy.example',
        [
          ['0.1', 2],
          ['1', 3],
          ['+Inf', 4],
        ],
        0.5,
      ),
      ...series(
        'new.example',
        [
          ['0.1', 1],
          ['1', 1],
          ['+Inf', 1],
        ],
        0.05,
      ),
    ]);
    const rows = histogramWindow(old, now, 'h', { by: ['name'] });
    expect(rows.map((r) => [r.labels.name, r.count, r.sum, r.resets])).toEqual([
      ['new.example', 1, 0.05, 0],
      ['policy.example', 4, 0.5, 1],
    ]);
  });

  test('series with different buckets are not summed', () => {
    const now = scrape([
      ...series(
        'a',
        [
          ['0.1', 1],
          ['+Inf', 1],
        ],
        0.05,
      ),
      ...series(
        'b',
        [
          ['0.5', 1],
          ['+Inf', 1],
        ],
        0.05,
      ),
    ]);
    expect(() => histogramWindow(scrape([]), now, 'h', { by: [] })).toThrow(/its buckets differ from the other series/);
  });

  test("quantiles as PromQL's histogram_quantile", () => {
    const buckets: [number, number][] = [
      [0.05, 24054],
      [0.1, 33444],
      [0.2, 100392],
      [0.5, 129389],
      [1, 133988],
      [Infinity, 144320],
    ];
    // rank 72160 falls in (0.1, 0.2]: 0.1 + 0.1 × (72160 − 33444) / (100392 − 33444)
    expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.1 + (0.1 * (72160 - 33444)) / (100392 - 33444), 12);
    // rank in +Inf: the highest finite bound
    expect(bucketQuantile(0.99, buckets)).toBe(1);
    expect(
      bucketQuantile(0.1, [
        [1, 4],
        [Infinity, 4],
      ]),
    ).toBeCloseTo(0.1, 12);
    expect(
      bucketQuantile(0.5, [
        [1, 0],
        [Infinity, 0],
      ]),
    ).toBeNull();
  });
});
