/** Bad sysstat files and bad tool output: each refused with the parser's own error naming the file/tool and line. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSysstat, SysstatParseError } from '../../../src/analysis/parsers';
import { parseKubeBenchJson, parseKubeHunterJson, ToolOutputError } from '../../../src/tools';
import { reportCount, type BadInputCase } from './catalogue';

const fixtures = path.resolve(__dirname, '../../fixtures');
const sysstat = (name: string) => readFileSync(path.join(fixtures, 'sysstat', name), 'utf8');
const tool = (name: string) => readFileSync(path.join(fixtures, 'tools', name), 'utf8');
const cut = (text: string, fraction: number) => text.slice(0, Math.floor(text.length * fraction));
/** Deterministic "random" bytes (a fixed LCG), so the garbage case is reproducible. */
function garbage(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

const sarU = sysstat('k8s-node-1.sa27.sar-u.txt');
const sadfJ = sysstat('k8s-node-1.sa27.sadf-j-u.json');
const sadfD = sysstat('k8s-node-1.sa27.sadf-d-u.csv');

const sysstatCases: BadInputCase<string | Buffer>[] = [
  { name: 'sadf -j truncated mid-file', input: cut(sadfJ, 0.5), type: 'SysstatParseError', expect: /node-1\.sa27:\d+: expected/ },
  { name: 'sar text truncated mid-line', input: sarU.slice(0, sarU.indexOf('\n', sarU.indexOf('09:00:03')) - 20), type: 'SysstatParseError', expect: /node-1\.sa27:\d+: expected/ },
  { name: 'sar text rows one column short of the header', input: sarU.split('\n').map((l) => (/^\d\d:\d\d:\d\d\s+all/.test(l) ? l.replace(/\s+\S+$/, '') : l)).join('\n'), type: 'SysstatParseError', expect: /node-1\.sa27:4: expected 7 values as in the column header on line 3/ },
  { name: 'sar text with a column too many on a row', input: sarU.replace(/(09:00:02 .*)/, '$1     7.00'), type: 'SysstatParseError', expect: /node-1\.sa27:5: expected/ },
  { name: 'sadf -d header with a column fewer than its rows', input: sadfD.replace(';%steal', ''), type: 'SysstatParseError', expect: /node-1\.sa27:2: expected 9 fields as in the header on line 1/ },
  { name: 'sadf -d with a short row', input: sadfD.replace(/\n(k8s-node-1;1;[^\n]*?);0\.00\n/, '\n$1\n'), type: 'SysstatParseError', expect: /node-1\.sa27:\d+: expected/ },
  { name: 'binary garbage', input: garbage(4096), type: 'SysstatParseError', expect: /node-1\.sa27:\d+: expected sysstat data/ },
  { name: 'a binary sa file (sadc output) instead of text', input: Buffer.concat([Buffer.from([0x96, 0xd5, 0x71, 0x21]), garbage(2048, 3)]), type: 'SysstatParseError', expect: /node-1\.sa27:1: expected sysstat data/ },
  { name: 'empty file', input: '', type: 'SysstatParseError', expect: /node-1\.sa27:1: expected sysstat data/ },
  { name: 'an HTML error page', input: '<html><body>502 Bad Gateway</body></html>\n', type: 'SysstatParseError', expect: /node-1\.sa27:1: expected sysstat data.*found "<html>/ },
];

type ToolCase = BadInputCase<string> & { parse: 'kube-bench' | 'kube-hunter' };
const bench = tool('kube-bench-node.json');
const hunter = tool('kube-hunter-remote.json');
const toolCases: ToolCase[] = [
  { name: 'kube-bench JSON truncated', parse: 'kube-bench', input: tool('kube-bench-node.truncated.json'), type: 'ToolOutputError', expect: /kube-bench output is invalid: the JSON is truncated/ },
  { name: 'kube-bench JSON with stderr logs mixed in', parse: 'kube-bench', input: tool('kube-bench-node.stdout-stderr.txt'), type: 'ToolOutputError', expect: /kube-bench output is invalid: .*(does not start with JSON|text follows the JSON)/ },
  { name: 'kube-bench log line after the JSON', parse: 'kube-bench', input: `${bench.trim()}\nI1127 10:00:00 done\n`, type: 'ToolOutputError', expect: /text follows the JSON at line \d+ column \d+/ },
  { name: 'kube-bench empty output', parse: 'kube-bench', input: '  \n', type: 'ToolOutputError', expect: /the output is empty/ },
  { name: 'kube-bench JSON of another shape', parse: 'kube-bench', input: '{"Totals": "many"}', type: 'ToolOutputError', expect: /kube-bench output is invalid: / },
  { name: 'kube-hunter JSON truncated', parse: 'kube-hunter', input: tool('kube-hunter-remote.truncated.json'), type: 'ToolOutputError', expect: /kube-hunter output is invalid: the JSON is truncated/ },
  { name: 'kube-hunter INFO logs before the JSON', parse: 'kube-hunter', input: tool('kube-hunter-remote.log-info.txt'), type: 'ToolOutputError', expect: /kube-hunter output is invalid: the output does not start with JSON: its first line is "2026-/ },
  { name: 'kube-hunter JSON with a bad byte inside', parse: 'kube-hunter', input: hunter.replace('"nodes"', '"nodes"\u0000,'), type: 'ToolOutputError', expect: /kube-hunter output is invalid: .*line \d+ column \d+/ },
];

describe('bad sysstat files', () => {
  afterAll(() => reportCount('sysstat files', sysstatCases.length));
  test.each(sysstatCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      parseSysstat(c.input, { file: 'k8s-node-1.sa27' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SysstatParseError);
    expect((error as Error).message).toMatch(c.expect);
  });
});

describe('bad tool output', () => {
  afterAll(() => reportCount('tool output', toolCases.length));
  test.each(toolCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      if (c.parse === 'kube-bench') parseKubeBenchJson(c.input, { mode: 'node', target: 'sim-node-1' });
      else parseKubeHunterJson(c.input, { mode: 'remote', target: '127.0.0.1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ToolOutputError);
    expect((error as Error).message).toMatch(c.expect);
  });
});

// docs/measurements.md's Reliability section counts these (18 here, 15 in configFiles.test.ts, 43 on the real components).
test('at least 18 bad sysstat files and tool outputs are tried', () => expect(sysstatCases.length + toolCases.length).toBeGreaterThanOrEqual(18));
