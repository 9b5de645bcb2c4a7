/**
 * `hardenlab dev` on a machine with no config file and no test bed (the test bed case is the acceptance
 * test, newcomer.test.ts): it says so and prints the one command that starts a test bed, its server has
 * hardenlab's search attributes, and `{}` fails at once naming the missing cluster.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startDev, type RunningDev } from '../../src/cli/commands/devCommand';
import { SEARCH_ATTRIBUTES, scenarioSearchAttributes } from '../../src/domain/searchAttributes';
import { temporalCliPath } from '../../src/temporal/binaries';
import { canConnect, freePort, startDevServer } from '../../src/temporal/devServer';
import { PORT_COLLISION_TRIES } from '../../src/temporal/ports';
import { TESTBED_UP_COMMAND } from '../../src/testbed/workerEnvironment';
import { waitFor } from '../support/temporalUi';
import { tempDir } from '../support/tempDir';
import { sharedWorkflowBundle } from '../support/workflowBundle';

jest.setTimeout(180_000);

describe('hardenlab dev without a config file or a test bed', () => {
  let home: string;
  let dev: RunningDev | undefined;
  let client: Client | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hardenlab-dev-'));
    // No config file in the data folder, no kubeconfig where KUBECONFIG points, no test bed in testbedHome.
    const env = { ...process.env, HARDENLAB_HOME: home, HARDENLAB_CONFIG: undefined, KUBECONFIG: join(home, 'no-kubeconfig') };
    dev = await startDev(
      { port: 0, uiPort: 0, worker: true },
      { env, testbedHome: join(home, 'no-testbed'), log: (line) => lines.push(line), workflowBundle: sharedWorkflowBundle },
    );
    client = new Client({ connection: await Connection.connect({ address: dev.server.address }), namespace: 'default' });
  });

  afterAll(async () => {
    await client?.connection.close();
    await dev?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test('prints that there is neither, and the one command that starts a test bed', () => {
    expect(lines).toContain(
      `No config file (${join(home, 'config.yaml')}) and no test bed running: experiments have no cluster to run on.`,
    );
    expect(lines.filter((line) => line.includes(TESTBED_UP_COMMAND))).toHaveLength(1);
    expect(lines.some((line) => line.startsWith('Start an experiment: http://127.0.0.1:'))).toBe(true);
  });

  test('its server knows the search attributes the workflow list filters by', async () => {
    const { customAttributes } = await client!.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const known = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map(({ name }) => [name, customAttributes?.[name]]));
    // IndexedValueType: 2 = KEYWORD, 3 = INT.
    expect(known).toEqual({ HardenlabExperiment: 2, HardenlabScenario: 2, HardenlabRepetition: 3 });
  });

  test('`{}` fails at once as InvalidInput, naming the missing kubeconfig and the test bed', async () => {
    const run = client!.workflow.execute('securityExperiment', {
      taskQueue: dev!.taskQueue,
      workflowId: `dev-empty-${Date.now()}`,
      args: [{}],
    });
    const error = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidInput');
    expect(cause!.message).toContain(`cluster.kubeconfigPath: no kubeconfig at ${join(home, 'no-kubeconfig')}`);
    expect(cause!.message).toContain('use provider "local" for the test bed');
  });
});

test('a dev database from before the search attributes gets them when dev starts on it, usable at once', async () => {
  const home = await mkdtemp(join(tmpdir(), 'hardenlab-dev-db-'));
  const dbFile = join(home, 'dev.db');
  try {
    // The database an earlier release's `hardenlab dev` (or demo) left: created without them.
    const port = await freePort();
    const old = spawn(
      temporalCliPath(process.env),
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'error'],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => old.once('exit', resolve));
    await waitFor('the old dev server', () => canConnect('127.0.0.1', port), 60_000);
    const oldClient = await Connection.connect({ address: `127.0.0.1:${port}` });
    await waitFor(
      'the old server to answer',
      () =>
        oldClient.operatorService.listSearchAttributes({ namespace: 'default' }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    const before = (await oldClient.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {};
    await oldClient.close();
    old.kill('SIGTERM');
    await exited;
    expect(Object.keys(before).filter((name) => name.startsWith('Hardenlab'))).toEqual([]);

    const server = await startDevServer({ temporalCli: temporalCliPath(process.env), port: 0, uiPort: 0, dbFile });
    const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
    try {
      const handle = await client.workflow.start('securityExperiment', {
        taskQueue: 'nobody-polls',
        workflowId: 'old-db/baseline/1',
        typedSearchAttributes: scenarioSearchAttributes('old-db', 'baseline', 1),
      });
      const query = 'HardenlabScenario="baseline" AND HardenlabRepetition=1';
      const listed = async () => {
        const ids: string[] = [];
        for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
        return ids;
      };
      await waitFor('the list filtered by scenario to show it', async () => (await listed()).length > 0, 30_000);
      expect(await listed()).toEqual(['old-db/baseline/1']);
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
      await server.stop();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

describe('dev server ports', () => {
  it('dev servers started at the same moment all serve, each on ports of its own', async () => {
    const servers = await Promise.all([
      startDevServer({ temporalCli: temporalCliPath(process.env) }),
      startDevServer({ temporalCli: temporalCliPath(process.env) }),
      startDevServer({ temporalCli: temporalCliPath(process.env) }),
    ]);
    try {
      const ports = servers.flatMap((s) => [s.address.split(':')[1], s.uiUrl.split(':')[2]]);
      expect(new Set(ports).size).toBe(6);
      for (const server of servers) {
        const connection = await Connection.connect({ address: server.address });
        await connection.workflowService.getSystemInfo({});
        await connection.close();
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  describe('a start that fails on a port in use', () => {
    let home: string;
    const cliBefore = process.env.HARDENLAB_TEMPORAL_CLI;
    const collision = 'msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:37987: bind: address already in use" service=worker';
    /** A stand-in CLI that records its arguments and fails on a port `failures` times before running the real one. */
    const standIn = async (failures: number) => {
      const script = join(home, `temporal-${failures}`);
      const body = `#!/bin/sh
echo "$*" >> ${join(home, `attempts-${failures}`)}
n=$(wc -l < ${join(home, `attempts-${failures}`)})
if [ "$n" -le ${failures} ]; then echo '${collision}' >&2; exit 2; fi
exec ${temporalCliPath(process.env)} "$@"
`;
      await writeFile(script, body, { mode: 0o755 });
      process.env.HARDENLAB_TEMPORAL_CLI = script;
      return async () => (await readFile(join(home, `attempts-${failures}`), 'utf8')).trim().split('\n');
    };

    beforeAll(async () => {
      home = await tempDir('hardenlab-dev-ports-');
    });
    afterEach(() => {
      if (cliBefore === undefined) delete process.env.HARDENLAB_TEMPORAL_CLI;
      else process.env.HARDENLAB_TEMPORAL_CLI = cliBefore;
    });

    it('is tried again with new ports, and then serves', async () => {
      const attempts = await standIn(1);
      const server = await startDevServer({ temporalCli: temporalCliPath(process.env) });
      try {
        const [first, second] = await attempts();
        const portOf = (args: string) => /--port (\d+)/.exec(args)![1];
        expect(portOf(second!)).not.toBe(portOf(first!));
        expect(server.address).toBe(`127.0.0.1:${portOf(second!)}`);
        const connection = await Connection.connect({ address: server.address });
        await connection.workflowService.getSystemInfo({});
        await connection.close();
      } finally {
        await server.stop();
      }
    });

    it('gives up after a bounded number of tries, with the server output', async () => {
      const attempts = await standIn(1000);
      await expect(startDevServer({ temporalCli: temporalCliPath(process.env) })).rejects.toThrow(collision);
      expect(await attempts()).toHaveLength(PORT_COLLISION_TRIES);
    });
  });
});
