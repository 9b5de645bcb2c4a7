/**
 * `hardenlab validate` as users run it (the compiled bin: `npm run build` first). Offline: no Temporal
 * server and no test bed (TEMPORAL_ADDRESS points at a closed port to prove it).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

jest.setTimeout(60_000);
const bin = path.resolve(__dirname, '../../bin/hardenlab.js');
const ATTACK = { cluster: { provider: 'linode', linode: { apiUrl: 'http://127.0.0.1:9/', tokenEnv: 'HOME' } } };

let home: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-validate-'));
  // No config file in this data folder, and no reachable Temporal server.
  env = { PATH: process.env.PATH, HOME: home, HARDENLAB_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:9' };
});
afterAll(() => fs.rm(home, { recursive: true, force: true }));

function validate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'validate', ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function configFile(name: string, config: unknown): Promise<string> {
  const file = path.join(home, name);
  await fs.writeFile(file, stringify(config));
  return file;
}

test("the issue's input fails, naming cluster.linode.apiUrl and cluster.linode.tokenEnv as the worker config's", async () => {
  const result = await validate('--input', JSON.stringify(ATTACK));
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^invalid: 3 errors$/m);
  expect(result.stderr).toMatch(/^ {2}cluster\.linode\.apiUrl: belongs in the worker config, not in the workflow input/m);
  expect(result.stderr).toMatch(/^ {2}cluster\.linode\.tokenEnv: belongs in the worker config, not in the workflow input/m);
  expect(result.stderr).toMatch(/^ {2}cluster\.provider: belongs in the worker config/m);
});

test('the same values in --config pass, and the resolved experiment is printed', async () => {
  // A complete worker config: with the SSH access to the nodes the cluster's node maps are derived from.
  const experiment = { cluster: { ...ATTACK.cluster, linode: { ...ATTACK.cluster.linode, ssh: { user: 'sampler' } } } };
  const result = await validate('--config', await configFile('linode.yaml', { experiment }), '--input', '{"scenarios":["baseline"]}');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(
    `valid: the experiment as a worker with the worker config ${path.join(home, 'linode.yaml')} resolves it:`,
  );
  expect(result.stdout).toMatch(/apiUrl: http:\/\/127\.0\.0\.1:9\//);
  expect(result.stdout).toMatch(/scenarios:\n {2}- baseline\n/);
});

test('--json prints every error of an input file, and picks named environments', async () => {
  const inputFile = path.join(home, 'input.yaml');
  await fs.writeFile(inputFile, 'environment: prod\nwindow:\n  durationSeconds: -1\nrepetitions: two\n');
  const config = await configFile('envs.yaml', {
    experiment: { cluster: { provider: 'local' } },
    environments: { lab: { cluster: { provider: 'linode', linode: { tokenEnv: 'HOME', ssh: { user: 'sampler' } } } } },
  });
  const bad = await validate('--config', config, '--input-file', inputFile, '--json');
  expect(bad.code).toBe(1);
  const parsed = JSON.parse(bad.stdout) as { ok: boolean; errors: { field: string; message: string }[] };
  expect(parsed.ok).toBe(false);
  expect(parsed.errors.map((e) => e.field).sort()).toEqual(['environment', 'repetitions', 'window.durationSeconds']);
  expect(parsed.errors.find((e) => e.field === 'environment')!.message).toBe('unknown environment "prod": the worker config defines "lab"');

  const good = await validate('--config', config, '--input', '{"environment":"lab"}', '--json');
  expect(good.code).toBe(0);
  expect((JSON.parse(good.stdout) as { config: { cluster: { provider: string } } }).config.cluster.provider).toBe('linode');
});

test('a missing input file or malformed --input is an error, not a crash', async () => {
  const missing = await validate('--input-file', path.join(home, 'nope.json'));
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/input file .*nope\.json: ENOENT/);
  const malformed = await validate('--input', '{not json');
  expect(malformed.code).toBe(1);
  expect(malformed.stderr).toMatch(/--input is not JSON/);
});

test("the worker's own scenarios resolve with a digest per manifest and their denials; a bad pack fails naming its entry", async () => {
  const folder = await fs.mkdtemp(path.join(home, 'config-folder-'));
  const config = path.join(folder, 'config.yaml');
  await fs.writeFile(config, stringify({ experiment: { cluster: { provider: 'local' } } }));
  await fs.mkdir(path.join(folder, 'scenarios'));
  await fs.mkdir(path.join(folder, 'packs', 'strict'), { recursive: true });
  await fs.writeFile(path.join(folder, 'scenarios', 'limits-plus.yaml'), 'packs: [resource-limits, strict]\n');
  await fs.writeFile(
    path.join(folder, 'packs', 'strict', 'a.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: strict-settings }\ndata: { level: high }\n',
  );
  await fs.writeFile(path.join(folder, 'packs', 'strict', 'expected-denials.yaml'), '- automount-sa-token\n');
  const good = await validate('--config', config, '--input', '{"scenarios":["baseline","limits-plus"]}');
  expect([good.code, good.stderr]).toEqual([0, '']);
  expect(good.stdout).toContain(
    `  limits-plus (${path.join(folder, 'scenarios', 'limits-plus.yaml')}): packs resource-limits (built-in), ` +
      `strict (${path.join(folder, 'packs', 'strict')}); tools in the window none\n`,
  );
  expect(good.stdout).toMatch(/\n {4}resource-limits\/limitrange\.yaml #1 LimitRange hardenlab-container-defaults sha256:[0-9a-f]{64}\n/);
  expect(good.stdout).toMatch(/\n {4}strict\/a\.yaml #1 ConfigMap strict-settings sha256:[0-9a-f]{64}\n/);
  expect(good.stdout).toContain('\n    strict expects denied: automount-sa-token\n');
  expect(good.stdout).not.toContain('expected-denials.yaml #');

  await fs.writeFile(
    path.join(folder, 'packs', 'strict', 'b.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fine }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: token }\n',
  );
  await fs.writeFile(path.join(folder, 'packs', 'strict', 'expected-denials.yaml'), '- automount-sa-token\n- sudo-everything\n');
  const bad = await validate('--config', config, '--input', '{"scenarios":["limits-plus","chaos"]}');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^invalid: 3 errors$/m);
  expect(bad.stderr).toContain(
    `  ${path.join(folder, 'packs', 'strict', 'expected-denials.yaml')} entry 2: unknown attack "sudo-everything": ` +
      "the attack battery's are privileged-pod, ",
  );
  expect(bad.stderr).toContain(`  ${path.join(folder, 'packs', 'strict', 'b.yaml')} document 2: v1 Secret may not be created by a pack`);
  expect(bad.stderr).toMatch(
    /^ {2}scenarios\.1: unknown scenario "chaos": known are baseline, best-practices, security-tools, policy-engine, limits-plus /m,
  );
});

test('validate says which access each node gets and why: SSH with a node map, the Kubernetes API where the config says so', async () => {
  const kubeconfig = path.join(home, 'access-kubeconfig');
  const nodes = path.join(home, 'access-nodes.yaml');
  await fs.writeFile(kubeconfig, 'apiVersion: v1\n');
  await fs.writeFile(
    nodes,
    stringify({
      nodes: [
        { name: 'n1', host: '10.0.0.11', user: 'admin' },
        { name: 'n2', host: '10.0.0.12' },
      ],
    }),
  );
  const cluster = { provider: 'kubeconfig', kubeconfigPath: kubeconfig };
  const ssh = await validate('--config', await configFile('ssh-access.yaml', { experiment: { cluster, nodeMapPath: nodes } }));
  expect([ssh.code, ssh.stderr]).toEqual([0, '']);
  expect(ssh.stdout).toContain(
    'node access:\n  n1: ssh to admin@10.0.0.11:22 (the default with a node map)\n  n2: ssh to root@10.0.0.12:22 (',
  );
  const image = `registry.example/busybox@sha256:${'0123'.repeat(16)}`;
  const experiment = { cluster, nodeMapPath: nodes, nodeAccess: 'kubernetes', nodeAccessImage: image };
  const kube = await validate('--config', await configFile('kube-access.yaml', { experiment }));
  expect([kube.code, kube.stderr]).toEqual([0, '']);
  expect(kube.stdout).toContain(
    `  n2: kubernetes, a hostPID pod (SYS_ADMIN, SYS_PTRACE) with image ${image} running nsenter into the node ` +
      '(nodeAccess: kubernetes in the worker config)\n',
  );
  // Who may choose it: the worker config, never the workflow input.
  const input = await validate(
    '--config',
    await configFile('ssh-access2.yaml', { experiment: { cluster, nodeMapPath: nodes } }),
    '--input',
    '{"nodeAccess":"kubernetes"}',
  );
  expect(input.code).toBe(1);
  expect(input.stderr).toMatch(
    /^ {2}nodeAccess: belongs in the worker config .*, not in the workflow input: it chooses whether the worker runs a privileged pod/m,
  );
});

test('validate says what the design could detect: in standard deviations, or in each unit from a pilot summary.json', async () => {
  const config = await configFile('local.yaml', { experiment: { cluster: { provider: 'local' } } });
  const five = await validate('--config', config, '--input', '{"repetitions":5}');
  expect([five.code, five.stderr]).toEqual([0, '']);
  expect(five.stdout).toContain(
    "what this design could detect against baseline (Welch's test, two-sided α 0.05, 80 % power, 5 repetitions of each scenario):\n" +
      '  any metric: a true difference of 2.02 standard deviations between repetitions; pass --pilot <summary.json> of an earlier ' +
      'run for each headline metric in its unit\n',
  );
  const one = await validate('--config', config, '--input', '{"scenarios":["baseline","best-practices"]}');
  expect(one.stdout).toContain('  nothing: with 1 repetition no difference can be tested; set repetitions to 2 or more\n');

  // A pilot's spread: CPU sd 1 on both sides (statsmodels' d at 5 a side: 2.0244), memory from one baseline value.
  const values = (v: number[]) => ({ values: v });
  const pilot = path.join(home, 'summary.json');
  const scenario = (name: string, cpu: number[], memory: number[]) => ({
    scenario: name,
    acrossRepetitions: { cpuMean: values(cpu), memoryMean: values(memory) },
  });
  const pilotScenarios = [scenario('baseline', [1, 2, 3], [40]), scenario('best-practices', [4, 5, 6], [41, 42])];
  await fs.writeFile(pilot, JSON.stringify({ scenarios: pilotScenarios }));
  const design = '{"repetitions":5,"scenarios":["baseline","best-practices"]}';
  const planned = await validate('--config', config, '--input', design, '--pilot', pilot);
  expect([planned.code, planned.stderr]).toEqual([0, '']);
  expect(planned.stdout).toContain(
    `  from the spread between repetitions in the pilot ${pilot}:\n` +
      '    best-practices, CPU used, mean of node means: 2.02 points (pilot SD 1.00 points, baseline 1.00 points)\n' +
      '    best-practices, %memused, mean of node means: — (the pilot has fewer than 2 repetitions of baseline) ' +
      '(pilot SD 0.71 points, baseline —)\n',
  );
  const asJson = await validate('--config', config, '--input', '{"repetitions":5}', '--pilot', pilot, '--json');
  const json = JSON.parse(asJson.stdout);
  expect(json.detectable).toMatchObject({ repetitions: 5, pilot: { file: pilot, rows: expect.any(Array) } });

  const foreign = path.join(home, 'other.json');
  await fs.writeFile(foreign, '{"scenarios":[{"scenario":"baseline"}]}');
  const bad = await validate('--config', config, '--pilot', foreign);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`  --pilot: ${foreign}: not a hardenlab summary.json: scenarios.0.acrossRepetitions: `);
  const missing = await validate('--config', config, '--pilot', path.join(home, 'none.json'));
  expect(missing.stderr).toContain(`  --pilot: ${path.join(home, 'none.json')}: cannot be read (ENOENT)\n`);
});
