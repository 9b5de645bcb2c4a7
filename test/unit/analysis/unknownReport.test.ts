/** A file whose records hold neither a CPU nor a memory report is an error, never "zero samples". */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSysstat, SysstatParseError } from '../../../src/analysis/parsers';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../../fixtures/sysstat', name), 'utf8');

test.each([
  ['k8s-node-1.sa26.sar-u.txt', '%idle', '%guest'],
  ['k8s-node-1.sa26.sar-r.txt', '%memused', '%memfoo'],
  ['k8s-node-1.sa26.sadf-d-u.csv', '%idle', '%guest'],
  ['k8s-node-1.sa26.sadf-j-u.json', '"cpu-load"', '"cpu-lode"'],
])('%s with %s renamed names the first record', (name, from, to) => {
  const original = parseSysstat(fixture(name), { file: name });
  expect(original.cpu.length + original.memory.length).toBeGreaterThan(0);
  const broken = fixture(name).split(from).join(to);
  let error: unknown;
  try {
    parseSysstat(broken, { file: name });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SysstatParseError);
  expect((error as SysstatParseError).message).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}:\\d+: expected a CPU report with %idle or a memory report with %memused`));
});
