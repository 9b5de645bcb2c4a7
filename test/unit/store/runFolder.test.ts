/**
 * Each experiment run writes into a folder of its own: ids that read alike (`a b`, `a/b`, `a_b`), an id reused
 * after its run closed, and ids like `..` never share a folder or leave the data folder; an existing folder is
 * refused unless its marker names the same run (an activity retry); the report reads only the plan's runs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { claimExperimentFolder } from '../../../activities/experimentFolder';
import { reportInput } from '../../../activities/report';
import { readExperimentData } from '../../../src/analysis/files';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { claimRunFolder, experimentRunKey, RUN_MARKER_FILE, RunFolderTaken, type RunOwner } from '../../../src/store/runFolder';
import { fixtureExperiment } from '../analysis/support/fixtures';
import { tempDir } from '../../support/tempDir';

const RUN_A = '0b9d6a3e-2f4c-4e8a-9b1d-5c7e3f2a1b00';
const RUN_B = '7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const KEY_SHAPE = /^experiments\/[A-Za-z0-9_-]{1,40}-[0-9a-f]{16}\/[a-z0-9][a-z0-9-]*$/;
/** Ids that break naive folder names: separators, dot segments, blanks, controls, unicode, case. */
const AWKWARD_IDS = [
  'a b',
  'a/b',
  'a_b',
  'a-b',
  '..',
  '.',
  '/',
  '',
  ' ',
  '\t',
  '\0',
  '../../etc',
  '/etc/passwd',
  'a\\b',
  'C:\\x',
  'ü',
  'u\u0308',
  '🙂',
  'Demo',
  'demo',
  '_',
  '-',
  '-rf',
];

/** The folder a key names under a data folder, or an error when it leaves the data folder's `experiments/`. */
function folderInside(root: string, key: string): string {
  const folder = new ArtifactStore(root).resolve(key);
  const relative = path.relative(path.join(root, 'experiments'), folder);
  if (relative.startsWith('..') || path.isAbsolute(relative) || relative.split(path.sep).length !== 2) {
    throw new Error(`${key} is not a run folder under experiments/`);
  }
  return folder;
}

describe('experimentRunKey', () => {
  const root = '/var/lib/hardenlab';

  it('never maps two (id, run id) pairs to one folder, even on a case-insensitive file system', () => {
    // Short ids of few characters collide in their readable part all the time: the hash must keep them apart.
    const alike = fc.string({ unit: fc.constantFrom('a', 'A', ' ', '/', '_', '.', '-'), maxLength: 12 });
    const id = fc.oneof(fc.constantFrom(...AWKWARD_IDS), fc.string({ unit: 'binary', maxLength: 80 }), alike);
    const runId = fc.oneof(fc.uuid(), fc.constantFrom(RUN_A, RUN_B));
    fc.assert(
      fc.property(id, runId, id, runId, (id1, run1, id2, run2) => {
        fc.pre(id1 !== id2 || run1 !== run2);
        expect(experimentRunKey(id1, run1).toLowerCase()).not.toBe(experimentRunKey(id2, run2).toLowerCase());
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps every id inside the data folder, one folder per id with one per run inside', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...AWKWARD_IDS), fc.string({ unit: 'binary', maxLength: 300 })), fc.uuid(), (id, runId) => {
        const key = experimentRunKey(id, runId);
        expect(key).toMatch(KEY_SHAPE);
        expect(path.posix.normalize(key)).toBe(key);
        expect(folderInside(root, key)).toBe(path.join(root, key));
      }),
      { numRuns: 3000 },
    );
    const keys = AWKWARD_IDS.map((id) => experimentRunKey(id, RUN_A));
    expect(new Set(keys).size).toBe(AWKWARD_IDS.length);
    expect(experimentRunKey('a b', RUN_A)).toMatch(/^experiments\/a_b-[0-9a-f]{16}\//);
    expect(experimentRunKey('..', RUN_A)).toMatch(/^experiments\/id-[0-9a-f]{16}\//);
    // The runs of one id sit side by side in the id's folder.
    expect(path.posix.dirname(experimentRunKey('demo', RUN_A))).toBe(path.posix.dirname(experimentRunKey('demo', RUN_B)));
  });

  it('refuses run ids that are not what a Temporal server makes', () => {
    for (const runId of ['', '.', '..', '../x', 'a/b', 'A', RUN_A.toUpperCase(), ' ', `${RUN_A}\n`, 'x'.repeat(65)]) {
      expect(() => experimentRunKey('demo', runId)).toThrow(/is not a Temporal run id/);
    }
  });
});

describe('claimRunFolder', () => {
  const owner = { workflowId: 'a b', runId: RUN_A };

  it('creates the folder with its marker, reuses it for the same run, refuses it to any other', async () => {
    const store = new ArtifactStore(await tempDir('hardenlab-runfolder-'));
    const key = experimentRunKey(owner.workflowId, owner.runId);
    expect(await claimRunFolder(store, key, owner)).toBe('created');
    expect(JSON.parse(await fs.readFile(store.resolve(key, RUN_MARKER_FILE), 'utf8'))).toEqual(owner);
    await store.writeJson(key, 'scenario-definitions.json', { mine: true });
    expect(await claimRunFolder(store, key, owner)).toBe('reused');
    for (const other of [
      { ...owner, runId: RUN_B },
      { ...owner, workflowId: 'a/b' },
    ]) {
      await expect(claimRunFolder(store, key, other)).rejects.toThrow(RunFolderTaken);
    }
    await expect(claimRunFolder(store, key, { ...owner, runId: RUN_B })).rejects.toThrow(`belongs to run ${RUN_A} of "a b"`);
    expect(await store.readJson(key, 'scenario-definitions.json')).toEqual({ mine: true });
    expect((await fs.readdir(path.dirname(store.resolve(key)))).filter((name) => name.startsWith('.claim-'))).toEqual([]);
  });

  it('refuses a folder it did not make (no marker), a file and a symlink in the way, touching none', async () => {
    const store = new ArtifactStore(await tempDir('hardenlab-runfolder-'));
    const key = experimentRunKey(owner.workflowId, owner.runId);
    const target = store.resolve(key);
    await store.writeJson(key, 'baseline/1/scenario-data.json', { someone: 'else' });
    await expect(claimRunFolder(store, key, owner)).rejects.toThrow(/belongs to no run of this release \(no marker\)/);
    expect(await fs.readdir(target)).toEqual(['baseline']);

    await fs.rm(target, { recursive: true });
    await fs.writeFile(target, 'a file');
    await expect(claimRunFolder(store, key, owner)).rejects.toThrow(RunFolderTaken);
    expect(await fs.readFile(target, 'utf8')).toBe('a file');

    await fs.rm(target);
    const elsewhere = await tempDir('hardenlab-runfolder-elsewhere-');
    await fs.writeFile(path.join(elsewhere, RUN_MARKER_FILE), JSON.stringify(owner));
    await fs.symlink(elsewhere, target);
    await expect(claimRunFolder(store, key, owner)).rejects.toThrow(RunFolderTaken);
    expect(await fs.readdir(elsewhere)).toEqual([RUN_MARKER_FILE]);
  });

  it('gives the folder to exactly one of several runs claiming it at once, and to every attempt of that run', async () => {
    const store = new ArtifactStore(await tempDir('hardenlab-runfolder-'));
    const key = experimentRunKey('race', RUN_A);
    const runs = ['1', '2', '3', '4', '5', '6'].map((n) => ({ workflowId: 'race', runId: `${RUN_A.slice(0, -1)}${n}` }));
    const claim = (run: RunOwner) => claimRunFolder(store, key, run).catch((error: unknown) => (error as Error).name);
    const outcomes = await Promise.all(runs.map(claim));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'RunFolderTaken')).toHaveLength(runs.length - 1);

    const sameRun = { workflowId: 'race', runId: RUN_B };
    const sameKey = experimentRunKey(sameRun.workflowId, sameRun.runId);
    const attempts = await Promise.all(Array.from({ length: 6 }, () => claimRunFolder(store, sameKey, sameRun)));
    expect(attempts.sort()).toEqual(['created', 'reused', 'reused', 'reused', 'reused', 'reused']);
  });
});

describe('claimExperimentFolder in an activity', () => {
  /** The claim as the resolve activity makes it, inside an activity of the given run. */
  const claimAs = (store: ArtifactStore, workflowId: string, runId: string): Promise<string> =>
    new MockActivityEnvironment({ workflowExecution: { workflowId, runId } }).run(
      claimExperimentFolder,
      store,
      workflowId,
    ) as Promise<string>;

  it("keys the folder by the server's run, reuses it on a retry, and fails non-retryably on a taken folder", async () => {
    const store = new ArtifactStore(await tempDir('hardenlab-runfolder-'));
    const first = await claimAs(store, 'a b', RUN_A);
    expect(first).toBe(experimentRunKey('a b', RUN_A));
    expect(await claimAs(store, 'a b', RUN_A)).toBe(first);
    // The id reused after the first run closed, and an id that reads alike: folders of their own.
    const reused = await claimAs(store, 'a b', RUN_B);
    const alike = await claimAs(store, 'a/b', RUN_B);
    expect(new Set([first, reused, alike]).size).toBe(3);

    await fs.rm(store.resolve(first, RUN_MARKER_FILE));
    const taken = await claimAs(store, 'a b', RUN_A).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(ApplicationFailure);
    expect(taken).toMatchObject({ type: 'ArtifactFolderTaken', nonRetryable: true });
  });
});

describe("the report reads the plan's runs only", () => {
  it('skips runs outside the plan, tolerates planned runs without data, and names the plan when none has any', async () => {
    const dir = await tempDir('hardenlab-runfolder-report-');
    for (const run of fixtureExperiment().scenarios) {
      await fs.mkdir(path.join(dir, run.scenario, String(run.repetition)), { recursive: true });
      await fs.writeFile(path.join(dir, run.scenario, String(run.repetition), 'scenario-data.json'), JSON.stringify(run));
    }
    const all = await readExperimentData(dir, 'exp');
    const names = (runs: { scenario: string; repetition: number }[]) => runs.map((r) => `${r.scenario}/${r.repetition}`);
    const everyRun = ['baseline/1', 'baseline/2', 'best-practices/1', 'best-practices/2', 'security-tools/1', 'security-tools/2'];
    expect(names(all.scenarios)).toEqual(everyRun);
    const planned = [
      { scenario: 'security-tools', repetition: 1 },
      { scenario: 'baseline', repetition: 2 },
      { scenario: 'baseline', repetition: 3 },
    ];
    const read = await readExperimentData(dir, 'exp', planned);
    expect(names(read.scenarios)).toEqual(['baseline/2', 'security-tools/1']);
    await expect(readExperimentData(dir, 'exp', [{ scenario: 'mine', repetition: 1 }])).rejects.toThrow(
      'none of the 1 planned runs (mine/1) wrote scenario-data.json',
    );
    const notRuns = [
      { scenario: '..', repetition: 1 },
      { scenario: 'baseline', repetition: 0 },
      { scenario: 'baseline/../x', repetition: 1 },
    ];
    for (const bad of notRuns) {
      await expect(readExperimentData(dir, 'exp', [bad])).rejects.toThrow('is not a scenario name and repetition');
    }
  });
});

describe('the report request', () => {
  it("carries the plan's runs; a run of an earlier release (no plan, the old `experiments/<id>` key) is read as before", () => {
    const plan = [
      { repetition: 1, order: ['security-tools', 'baseline'] },
      { repetition: 2, order: ['baseline', 'security-tools'] },
    ];
    expect(reportInput({ experimentId: 'x', artifactKey: 'experiments/x-0123456789abcdef/run', partial: false, plan })).toEqual({
      experimentId: 'x',
      experimentDir: 'experiments/x-0123456789abcdef/run',
      partial: false,
      planned: [
        { scenario: 'security-tools', repetition: 1 },
        { scenario: 'baseline', repetition: 1 },
        { scenario: 'baseline', repetition: 2 },
        { scenario: 'security-tools', repetition: 2 },
      ],
    });
    const old = reportInput({ experimentId: 'old', artifactKey: 'experiments/old', partial: true });
    expect(old).toEqual({ experimentId: 'old', experimentDir: 'experiments/old', partial: true });
  });
});
