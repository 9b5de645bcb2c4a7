import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { admissionCost, parsePromText } from '../../../src/analysis/load';
import { admissionFamilies, admissionWindowCost } from '../../../src/load/apiMetrics';

const fixtures = path.join(__dirname, '../../fixtures/load');
const text = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

// Families the API server serves beside the kept ones, some sharing their prefixes.
const OTHERS = [
  '# HELP apiserver_request_total [STABLE] Counter of apiserver requests.',
  '# TYPE apiserver_request_total counter',
  'apiserver_request_total{code="201",resource="pods",verb="POST"} 7',
  '# TYPE apiserver_request_duration_seconds_extra gauge',
  'apiserver_request_duration_seconds_extra 3',
  'process_cpu_seconds_total 12.5',
].join('\n');

describe('the /metrics scrape keeps the admission families', () => {
  it('drops every other family, even one sharing a kept name as prefix, and the cost is the same as from the kept text', () => {
    const before = text('kwok-apiserver-metrics.before.txt');
    const after = text('kwok-apiserver-metrics.after.txt');
    const keptAfter = admissionFamilies(`${OTHERS}\n${after}\n${OTHERS}\n`);
    expect(keptAfter).toBe(after.endsWith('\n') ? after : `${after}\n`);
    expect(keptAfter).not.toContain('apiserver_request_total');
    expect(keptAfter).not.toContain('_extra');
    const direct = admissionCost(parsePromText(before), parsePromText(after));
    expect(admissionWindowCost(admissionFamilies(`${OTHERS}\n${before}`), keptAfter)).toEqual(direct);
    expect(direct.controllers.find((c) => c.labels.name === 'PodSecurity')!.count).toBeGreaterThan(0);
  });

  it('names the scrape in a parse error', () => {
    expect(() => admissionWindowCost('x{', 'y', { before: 'load/apiserver-metrics.start.txt', after: 'end' })).toThrow(
      /load\/apiserver-metrics\.start\.txt/,
    );
  });
});
