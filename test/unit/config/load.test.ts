/**
 * The design field `load` (issue 27): off by default, design only, and bad values refused by `validate` and at
 * the workflow's start (the resolve activity), each naming its field; where the HTTP load is sent from is the worker's.
 */
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { dataFolderStore } from '../../support/activityDeps';
import { createConfigActivities } from '../../../activities/config';
import { validateCommand } from '../../../src/cli/commands/validateCommand';
import { validateExperiment } from '../../../src/config/experiment';
import { loadSpan } from '../../../src/config/loadDesign';
import { ENVIRONMENT_FIELDS } from '../../../src/config/trust';
import { REQUEST_SETS } from '../../../src/domain/requestSets';
import { tempDir } from '../../support/tempDir';

let dir: string;
let configFile: string;
const env = () => ({ HARDENLAB_CONFIG: configFile, HARDENLAB_HOME: dir, HOME: dir });

beforeAll(async () => {
  dir = await tempDir('hardenlab-load-');
  configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, stringify({ experiment: { cluster: { provider: 'local' } } }));
});

const window = { durationSeconds: 3600, intervalSeconds: 60, healthCheckSeconds: 600 };

/** Each bad design, the field it must name and words of its message. */
const BAD: { input: unknown; field: string; says: string }[] = [
  { input: { load: { churn: { podsPerMinute: 0 } } }, field: 'load.churn.podsPerMinute', says: 'must be more than 0 pods per minute' },
  { input: { load: { churn: { podsPerMinute: -5 } } }, field: 'load.churn.podsPerMinute', says: 'must be more than 0 pods per minute' },
  {
    input: { load: { http: { requestsPerSecond: 0 } } },
    field: 'load.http.requestsPerSecond',
    says: 'must be more than 0 requests per second',
  },
  {
    input: { window, load: { churn: { podsPerMinute: 60, period: { startSeconds: 1800, durationSeconds: 2400 } } } },
    field: 'load.churn.period.durationSeconds',
    says: 'the load (2400 s from 1800 s) ends after the 3600 s sampling window',
  },
  {
    input: { window, load: { http: { requestsPerSecond: 5, period: { durationSeconds: 7200 } } } },
    field: 'load.http.period.durationSeconds',
    says: 'ends after the 3600 s sampling window',
  },
  {
    input: { window, load: { http: { requestsPerSecond: 5, period: { startSeconds: 3600 } } } },
    field: 'load.http.period.startSeconds',
    says: 'not inside the 3600 s',
  },
  { input: { load: {} }, field: 'load', says: 'names neither churn nor http' },
  {
    input: { load: { http: { requestsPerSecond: 5, requestSet: 'http://10.0.0.1/' } } },
    field: 'load.http.requestSet',
    says: '"front-page"',
  },
  { input: { load: { http: { requestsPerSecond: 5, url: 'http://10.0.0.1/' } } }, field: 'load.http', says: 'url' },
  {
    input: { workload: { serviceType: 'ClusterIP' }, load: { http: { requestsPerSecond: 5 } } },
    field: 'load.http',
    says: "is sent from the worker to the app's load-balancer address, so it needs workload.serviceType LoadBalancer (got ClusterIP)",
  },
];

describe('the load design field', () => {
  test('absent by default: the idle design resolves exactly as before, with no load key', () => {
    const result = validateExperiment({});
    expect(result.ok).toBe(true);
    expect(result.ok && Object.hasOwn(result.config, 'load')).toBe(false);
  });

  test('churn and HTTP load resolve with their defaults; a period without a duration runs to the window end', () => {
    const load = { churn: { podsPerMinute: 60 }, http: { requestsPerSecond: 20, period: { startSeconds: 600 } } };
    const result = validateExperiment({ window, load });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.load).toEqual({
      churn: { podsPerMinute: 60, podsAlive: 10, period: { startSeconds: 0 } },
      http: { requestsPerSecond: 20, requestSet: 'front-page', period: { startSeconds: 600 } },
    });
    expect(loadSpan(result.config.load!.http!.period, window.durationSeconds)).toEqual({ startSeconds: 600, endSeconds: 3600 });
    expect(REQUEST_SETS['front-page'].map((r) => r.path)).toEqual(['/']);
  });

  test('a load filling the window exactly is valid', () => {
    const churn = { podsPerMinute: 0.5, period: { startSeconds: 600, durationSeconds: 3000 } };
    const result = validateExperiment({ window, load: { churn } });
    expect(result.ok).toBe(true);
  });

  test('the load is design: no field of it is an environment field', () => {
    expect(ENVIRONMENT_FIELDS.filter((f) => f.field.startsWith('load'))).toEqual([]);
  });

  test.each(BAD)('validateExperiment refuses $field ($says)', ({ input, field, says }) => {
    const result = validateExperiment(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.find((e) => e.field === field)?.message).toContain(says);
  });

  test.each(BAD)('`hardenlab validate` prints $field', async ({ input, field, says }) => {
    const result = await validateCommand({ input }, env());
    expect(result.ok).toBe(false);
    expect(result.text).toMatch(/^invalid: /);
    expect(result.text.split('\n').find((line) => line.startsWith(`  ${field}: `))).toContain(says);
  });

  test('a valid load resolves for any worker (no switch): the idle design stays the default', async () => {
    const load = { churn: { podsPerMinute: 60, podsAlive: 5 } };
    const result = await validateCommand({ input: { window, load } }, env());
    expect([result.ok, result.text]).toEqual([true, expect.stringMatching(/^load:\n {2}churn:\n {4}podsPerMinute: 60$/m)]);
    const idle = await validateCommand({ input: { window } }, env());
    expect([idle.ok, /^load:/m.test(idle.text)]).toEqual([true, false]);
  });

  test("an older config's experimental.loadPhase still loads; bad loads and an input's own switch stay refused", async () => {
    const optedIn = path.join(dir, 'load-phase.yaml');
    await fs.writeFile(optedIn, stringify({ experiment: { cluster: { provider: 'local' } }, experimental: { loadPhase: true } }));
    const load = { churn: { podsPerMinute: 60, podsAlive: 5 } };
    const accepted = await validateCommand({ input: { window, load }, config: optedIn }, env());
    expect(accepted.ok).toBe(true);
    const bad = await validateCommand({ input: BAD[0]!.input, config: optedIn }, env());
    expect(bad.text.split('\n').find((line) => line.startsWith('  load.churn.podsPerMinute: '))).toContain('must be more than 0');
    // The worker's section: an input has no such field.
    const fromInput = await validateCommand({ input: { window, load, experimental: { loadPhase: true } } }, env());
    expect(fromInput.ok).toBe(false);
    expect(fromInput.text).toContain('(input): Unrecognized key: "experimental"');
    const typo = path.join(dir, 'load-phase-typo.yaml');
    await fs.writeFile(typo, stringify({ experimental: { loadPhases: true } }));
    const refused = await validateCommand({ input: { window }, config: typo }, env());
    expect(refused.text).toContain('experimental');
    expect(refused.text).toContain('loadPhases');
  });

  test("HTTP load on a ClusterIP app: refused when the worker sends it, accepted when its config sends it from a pod", async () => {
    const input = { window, workload: { serviceType: 'ClusterIP' }, load: { http: { requestsPerSecond: 5 } } };
    const config = (load: unknown) => ({ experiment: { cluster: { provider: 'local' } }, load });
    const fromWorker = path.join(dir, 'http-from-worker.yaml');
    await fs.writeFile(fromWorker, stringify(config({ httpFrom: 'worker' })));
    const refused = await validateCommand({ input, config: fromWorker }, env());
    expect(refused.ok).toBe(false);
    expect(refused.text.split('\n').find((line) => line.startsWith('  load.http: '))).toContain(
      'needs workload.serviceType LoadBalancer (got ClusterIP); or set load.httpFrom: pod in the worker config',
    );
    const fromPod = path.join(dir, 'http-from-pod.yaml');
    await fs.writeFile(fromPod, stringify(config({ httpFrom: 'pod' })));
    const accepted = await validateCommand({ input, config: fromPod }, env());
    expect([accepted.ok, accepted.text]).toEqual([true, expect.not.stringContaining('load.http')]);
    // The pod's other rules still hold: a bad rate is named whoever sends it.
    const bad = await validateCommand({ input: { ...input, load: { http: { requestsPerSecond: -1 } } }, config: fromPod }, env());
    expect(bad.text).toContain('load.http.requestsPerSecond: must be more than 0 requests per second');
    // Where the load is sent from is the worker's: an input cannot say it.
    const fromInput = await validateCommand({ input: { ...input, load: { http: { requestsPerSecond: 5, from: 'pod' } } } }, env());
    expect(fromInput.text).toMatch(/load\.http: .*"from"/);
    const remote = path.join(dir, 'http-from-pod-remote.yaml');
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfigPath, 'apiVersion: v1\nkind: Config\n');
    const remoteConfig = { experiment: { cluster: { provider: 'kubeconfig', kubeconfigPath } }, load: { httpFrom: 'pod' } };
    await fs.writeFile(remote, stringify(remoteConfig));
    const noImage = await validateCommand({ input, config: remote }, env());
    expect(noImage.text.split('\n').find((line) => line.startsWith('  load.http: '))).toContain(
      'sends the HTTP load from a pod (load.httpFrom: pod) but names no load.image',
    );
    const unpinned = path.join(dir, 'http-from-pod-unpinned.yaml');
    await fs.writeFile(unpinned, stringify(config({ httpFrom: 'pod', image: 'docker.io/hardenlab/vegeta:v12.13.0' })));
    const unpinnedText = (await validateCommand({ input, config: unpinned }, env())).text;
    expect(unpinnedText).toContain('load.image');
    expect(unpinnedText).toContain('is not pinned by digest');
  });

  test('at the workflow start the resolve activity fails non-retryably (InvalidInput), naming the field', async () => {
    const activities = createConfigActivities({ env: env(), store: dataFolderStore(env()) });
    const error = await activities.resolveExperiment({ input: BAD[3]!.input, workflowId: 'load-bad' }).then(
      () => new Error('resolved instead of failing'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect([failure.type, failure.nonRetryable]).toEqual(['InvalidInput', true]);
    expect(failure.message).toContain(
      'load.churn.period.durationSeconds: the load (2400 s from 1800 s) ends after the 3600 s sampling window',
    );
  });
});
