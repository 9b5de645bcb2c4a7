/** Bad worker config files and node map files: each refused with an error naming the file and the field or line. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigFileError, loadWorkerConfig } from '../../../src/config/workerConfig';
import { parseNodeMap } from '../../../src/ssh/nodeMapFile';
import { reportCount, type BadInputCase } from './catalogue';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-badconfig-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** Worker config file contents (`null` = the file does not exist). */
const workerConfigCases: BadInputCase<string | null>[] = [
  { name: 'YAML syntax error', input: 'temporal:\n  address: [127.0.0.1:7233\n', type: 'ConfigFileError', expect: /\(syntax\): .*at line \d+, column \d+/ },
  { name: 'tab-indented YAML', input: 'temporal:\n\taddress: x\n', type: 'ConfigFileError', expect: /\(syntax\)/ },
  { name: 'unknown key under temporal (typo)', input: 'temporal:\n  adress: 127.0.0.1:7233\n', type: 'ConfigFileError', expect: /temporal: .*"adress"/ },
  { name: 'unknown top-level key', input: 'temporal: {}\nworkers: 3\n', type: 'ConfigFileError', expect: /\(root\): .*"workers"/ },
  { name: 'wrong type: namespace a number', input: 'temporal:\n  namespace: 5\n', type: 'ConfigFileError', expect: /temporal\.namespace: .*string/ },
  { name: 'wrong type: experiment a list', input: 'experiment:\n  - durationSeconds: 5\n', type: 'ConfigFileError', expect: /experiment: .*record|experiment: .*object/ },
  { name: 'empty task queue', input: 'temporal:\n  taskQueue: ""\n', type: 'ConfigFileError', expect: /temporal\.taskQueue: / },
  { name: 'file is a scalar, not a mapping', input: 'just a sentence\n', type: 'ConfigFileError', expect: /\(root\): / },
  { name: 'explicit HARDENLAB_CONFIG file missing', input: null, type: 'ConfigFileError', expect: /\(file\): ENOENT/ },
];

/** Node map file contents. */
const nodeMapCases: BadInputCase<string>[] = [
  { name: 'node map: no nodes', input: 'nodes: []\n', type: 'NodeMapInvalid', expect: /nodes: .*>=1|nodes: .*at least/i },
  { name: 'node map: port out of range', input: 'nodes:\n  - name: a\n    host: 127.0.0.11\n    port: 70000\n', type: 'NodeMapInvalid', expect: /nodes\[0\]\.port: / },
  { name: 'node map: host missing', input: 'nodes:\n  - name: a\n', type: 'NodeMapInvalid', expect: /nodes\[0\]\.host: / },
  { name: 'node map: duplicate node', input: 'nodes:\n  - {name: a, host: 127.0.0.11}\n  - {name: a, host: 127.0.0.12}\n', type: 'NodeMapInvalid', expect: /nodes\[1\]\.name: duplicate node a/ },
  { name: 'node map: bad fingerprint', input: 'nodes:\n  - {name: a, host: h, hostKeyFingerprint: "MD5:aa:bb"}\n', type: 'NodeMapInvalid', expect: /nodes\[0\]\.hostKeyFingerprint: / },
  { name: 'node map: not YAML', input: 'nodes: [\n', type: 'NodeMapInvalid', expect: /not YAML\/JSON/ },
];

describe('bad worker config files', () => {
  afterAll(() => reportCount('worker config files', workerConfigCases.length));
  test.each(workerConfigCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const file = path.join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
    if (c.input !== null) await fs.writeFile(file, c.input);
    const error = await loadWorkerConfig({ HARDENLAB_CONFIG: file }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(c.expect);
  });
});

describe('bad node map files', () => {
  afterAll(() => reportCount('node map files', nodeMapCases.length));
  test.each(nodeMapCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const file = path.join(dir, 'nodes.yaml');
    let error: unknown;
    try {
      parseNodeMap(c.input, file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe(c.type);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toContain(`node map ${file}`);
    expect((error as Error).message).toMatch(c.expect);
  });
});

// docs/measurements.md's Reliability section counts these (15 here, 18 in parserFiles.test.ts, 43 on the real components).
test('at least 15 bad config files are tried', () => expect(workerConfigCases.length + nodeMapCases.length).toBeGreaterThanOrEqual(15));
