import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { validateExperiment } from '../../../src/config/experiment';
import { ConfigFileError, loadWorkerConfig, mergeConfig } from '../../../src/config/workerConfig';
import { tempDir } from '../../support/tempDir';

describe('experiment input', () => {
  test('{} resolves to the thesis defaults', () => {
    const result = validateExperiment({});
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const c = result.config;
    expect(c.scenarios).toEqual(['baseline', 'best-practices', 'security-tools']);
    expect(c.window).toEqual({ durationSeconds: 86_400, intervalSeconds: 600, healthCheckSeconds: 3600 });
    expect(c.workload).toMatchObject({ image: 'thenetworkchuck/nccoffee:pourover', replicas: 3, scaleTo: 5, serviceType: 'LoadBalancer', port: 80 });
    expect(c.tools.kubeHunter).toMatchObject({ modes: ['remote'], active: false });
    // Tools run inside the window only where a scenario lists them, unless the input asks for audits after it.
    expect(c.tools.auditAfterWindow).toBe(false);
    expect(c.cluster.linode).toMatchObject({ nodeType: 'g6-standard-1', nodeCount: 3 });
    expect(c.isolation).toBe('shared');
    expect(c.repetitions).toBe(1);
  });

  test('a subset overrides only what it names', () => {
    const result = validateExperiment({ window: { durationSeconds: 60, intervalSeconds: 1 }, tools: { kubeHunter: { modes: ['remote', 'pod'] } } });
    expect(result.ok && result.config.window).toEqual({ durationSeconds: 60, intervalSeconds: 1, healthCheckSeconds: 3600 });
    expect(result.ok && result.config.tools.kubeBench.enabled).toBe(true);
    expect(result.ok && result.config.tools.kubeHunter.modes).toEqual(['remote', 'pod']);
    expect(validateExperiment({ tools: { auditAfterWindow: true } })).toMatchObject({ ok: true, config: { tools: { auditAfterWindow: true, kubeBench: { mode: 'node' } } } });
  });

  test.each([
    // Names are checked against the presets and the worker's scenarios at resolve time (test/unit/scenarios); here, their form.
    [{ scenarios: ['Chaos Monkey!'] }, 'scenarios.0'],
    [{ scenarios: [] }, 'scenarios'],
    [{ scenarios: ['baseline', 'baseline'] }, 'scenarios'],
    [{ repetitions: 0 }, 'repetitions'],
    [{ repetitions: 2.5 }, 'repetitions'],
    [{ window: { durationSeconds: -1 } }, 'window.durationSeconds'],
    [{ window: { durationSeconds: 10 ** 9 } }, 'window.durationSeconds'],
    [{ window: { durationSeconds: 60, intervalSeconds: 120 } }, 'window.intervalSeconds'],
    [{ cluster: { provider: 'gke' } }, 'cluster.provider'],
    [{ isolation: 'per-scenario' }, 'isolation'],
    [{ workload: { replicas: 5, scaleTo: 3 } }, 'workload.scaleTo'],
    [{ workload: { port: 70000 } }, 'workload.port'],
    [{ surprise: true }, '(input)'],
    [{ tools: { kubeHunter: { modes: ['cidr'] } } }, 'tools.kubeHunter.modes.0'],
    [{ tools: { auditAfterWindow: 'yes' } }, 'tools.auditAfterWindow'],
  ])('%j is rejected naming %s', (input, field) => {
    expect(validateExperiment(input)).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.objectContaining({ field })]) });
  });

  test('every bad field is named, not just the first', () => {
    const result = validateExperiment({ repetitions: 'x', window: { intervalSeconds: 0 }, cluster: { provider: 'x' } });
    expect(result.ok ? 'valid' : result.errors.map((e) => e.field).sort()).toEqual(['cluster.provider', 'repetitions', 'window.intervalSeconds']);
  });
});

describe('worker config', () => {
  test('input merges over the config file deeply; arrays replace', () => {
    const merged = mergeConfig({ cluster: { provider: 'kubeconfig', kubeconfigPath: '/k' }, scenarios: ['baseline', 'best-practices'] }, { cluster: { context: 'lab' }, scenarios: ['baseline'] });
    expect(merged).toEqual({ cluster: { provider: 'kubeconfig', kubeconfigPath: '/k', context: 'lab' }, scenarios: ['baseline'] });
  });

  test('a config file with a bad key or bad YAML names the file and field', async () => {
    const dir = await tempDir('hardenlab-config-');
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'temporal:\n  adress: x\n');
    await expect(loadWorkerConfig({ HARDENLAB_CONFIG: file })).rejects.toThrow(/config file .*config\.yaml: temporal: Unrecognized key: "adress"/);
    await fs.writeFile(file, 'temporal: [unclosed\n');
    await expect(loadWorkerConfig({ HARDENLAB_CONFIG: file })).rejects.toBeInstanceOf(ConfigFileError);
    await expect(loadWorkerConfig({ HARDENLAB_CONFIG: path.join(dir, 'missing.yaml') })).rejects.toThrow(/missing\.yaml/);
  });

  test('environment variables win over the file; a missing default file means defaults', async () => {
    const home = await tempDir('hardenlab-home-');
    const { config } = await loadWorkerConfig({ HARDENLAB_HOME: home, TEMPORAL_ADDRESS: 'temporal:7233', HARDENLAB_TASK_QUEUE: 'q' });
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'default', taskQueue: 'q' });
  });
});
