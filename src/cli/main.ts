/**
 * The `hardenlab` command line. Each command lives in src/cli/commands/; the Kubernetes client is
 * loaded only by the commands that talk to a cluster.
 */
import { Command, Option } from 'commander';
import { NODE_KINDS, type NodeKind } from '../testbed';

// Each command's module is loaded when the command runs: `hardenlab testbed host` then loads about 200 modules rather
// than 1,500 (the Temporal client and worker, gRPC, the statistics), which under the cgroup v2 proof's TCG guest
// took a minute per start.

function collectJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`--input is not JSON: ${(err as Error).message}`);
  }
}

export function buildCli(): Command {
  const program = new Command('hardenlab')
    .description('What do Kubernetes security best practices and security tools cost a cluster?')
    .showHelpAfterError();

  program
    .command('dev')
    .description('start the embedded Temporal dev server (Web UI on 127.0.0.1, persisted to the data folder) and a worker')
    .option('--port <port>', 'Temporal gRPC port', (v) => Number(v), 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', (v) => Number(v), 8233)
    .option('--no-worker', 'start only the server')
    .action(async (opts) => (await import('./commands/devCommand.js')).devCommand(opts));

  program
    .command('worker')
    .description('run a worker against the Temporal server in the config file or TEMPORAL_ADDRESS')
    .action(async () => (await import('./commands/workerCommand.js')).workerCommand());

  program
    .command('run')
    .description('start a securityExperiment')
    .option('--config <file>', 'experiment input as YAML or JSON')
    .option('--input <json>', 'experiment input as JSON (merged over --config)', collectJson)
    .option('--id <workflowId>', 'workflow id (default: hardenlab-<timestamp>)')
    .option('--follow', 'show progress until it ends, then print where the report is')
    .action(async (opts) => (await import('./commands/runCommand.js')).runCommand(opts));

  program
    .command('validate')
    .description('check a workflow input offline (no Temporal server): print the experiment a worker would run, or every error')
    .option('--config <file>', "the worker's config file (default: $HARDENLAB_CONFIG, else the data folder's config.yaml)")
    .addOption(new Option('--input <json>', 'the workflow input as JSON').argParser(collectJson).conflicts('inputFile'))
    .option('--input-file <file>', 'the workflow input as a JSON or YAML file')
    .option('--json', 'print the result as JSON')
    .option('--pilot <summary.json>', "an earlier run's summary.json: what this design could detect, from its spread")
    .action(async (opts) => {
      const { ok, text } = await (await import('./commands/validateCommand.js')).validateCommand(opts);
      (ok || opts.json ? process.stdout : process.stderr).write(text);
      if (!ok) process.exitCode = 1;
    });

  program
    .command('status <workflowId>')
    .description("an experiment's or scenario's progress, including steps waiting for an operator")
    .option('--json', 'print the progress as JSON')
    .action(async (id, opts) => (await import('./commands/statusCommand.js')).statusCommand(id, opts));

  program
    .command('cancel <workflowId>')
    .description('cancel a run: the current step stops, reset still runs, a partial report is written')
    .action(async (id) => (await import('./commands/operatorCommand.js')).cancelCommand(id));

  for (const action of ['retry', 'skip', 'abort'] as const) {
    program
      .command(`${action} <workflowId>`)
      .description(`${action} the step that is waiting for an operator (experiment or scenario id)`)
      .option('--reason <text>', 'recorded with the decision')
      .action(async (id, opts) => (await import('./commands/operatorCommand.js')).decideCommand(id, { action, reason: opts.reason }));
  }

  const bed = program
    .command('testbed')
    .alias('sim')
    .description('the local test bed (`sim` is its old name): a control plane with KWOK or real nodes');
  bed
    .command('up')
    .description('build (first time) and start the test bed')
    .addOption(
      new Option('--nodes <kind>', 'kwok (default): simulated nodes (fast); real: system containers running a kubelet').choices([
        ...NODE_KINDS,
      ]),
    )
    .option('--config <file>', 'a test bed file (kind: TestBed): node kind, count, CPU and memory, addresses and ports')
    .option(
      '--ready-timeout <seconds>',
      'how long to wait for a ready API server, each real node (copy, sshd, registration) and Ready nodes (default 180; VMs need more)',
    )
    .option('--minimal', 'real nodes without the image registry and load balancer (slow hosts such as a VM; pods use imported images)')
    .action(async (opts: { nodes?: NodeKind; config?: string; readyTimeout?: string; minimal?: boolean }) =>
      (await import('./commands/testbedCommand.js')).testbedCommand('up', {
        nodes: opts.nodes,
        config: opts.config,
        readyTimeoutSeconds: opts.readyTimeout,
        minimal: opts.minimal,
      }),
    );
  bed
    .command('down')
    .description('stop every test bed process and remove its state')
    .action(async () => (await import('./commands/testbedCommand.js')).testbedCommand('down'));
  bed
    .command('status')
    .description('what runs, and the test bed configuration in force')
    .action(async () => (await import('./commands/testbedCommand.js')).testbedCommand('status'));
  bed
    .command('host')
    .description('can real nodes run here: the cgroup hierarchy they would use, or what is missing and what to do')
    .option('--record', "print this host's layout as a recording (the format of test/fixtures/cgroup-hosts/)")
    .action(async (opts: { record?: boolean }) => (await import('./commands/testbedCommand.js')).testbedHostCommand(opts));
  const temporal = bed
    .command('temporal')
    .description("the team set-up natively: PostgreSQL, Temporal server and Web UI at docker-compose.yml's versions");
  temporal
    .command('up')
    .description('build (first time) and start; prints the addresses')
    .action(async () => (await import('./commands/testbedTemporalCommand.js')).testbedTemporalCommand('up'));
  temporal
    .command('down')
    .description('stop; the database is kept unless --purge')
    .option('--purge', 'also remove the database and config')
    .action(async (opts: { purge?: boolean }) =>
      (await import('./commands/testbedTemporalCommand.js')).testbedTemporalCommand('down', { purge: opts.purge }),
    );
  temporal
    .command('status')
    .description('what runs, and the test bed configuration in force')
    .action(async () => (await import('./commands/testbedTemporalCommand.js')).testbedTemporalCommand('status'));

  program
    .command('analyze')
    .description('analyse sysstat files offline (sar text, sadf -d, sadf -j), as the thesis did in R')
    .argument('<files...>')
    .addOption(new Option('--json', 'machine-readable summary').conflicts(['md', 'html']))
    .addOption(new Option('--md', 'Markdown tables').conflicts(['html']))
    .option('--html <out>', 'write an HTML report to this file')
    .action(async (files: string[], opts) => {
      process.stdout.write(await (await import('./commands/analyzeCommand.js')).analyzeCommand(files, opts));
    });

  program
    .command('codec-server')
    .description('decrypt encrypted payloads for the Temporal UI (Settings → Codec Server) and `temporal --codec-endpoint`')
    .option('--port <port>', 'port on 127.0.0.1', '8888')
    .option('--key-file <path>', 'AES key file (default: temporal.encryptionKeyPath / HARDENLAB_ENCRYPTION_KEY_FILE)')
    .option('--origin <url...>', 'extra browser origins allowed (the UI when not on a loopback address)')
    .option('--token-file <path>', 'a file holding the token every call must carry (default: a new random token each start)')
    .action(async (opts) => {
      const { codecServerCommand } = await import('./commands/codecServerCommand.js');
      await codecServerCommand({ port: opts.port, keyFile: opts.keyFile, origin: opts.origin, tokenFile: opts.tokenFile });
    });

  program
    .command('demo')
    .description('run the whole experiment on the test bed with a compressed window, then print the report path')
    .option('--window <seconds>', 'sampling window per scenario', (v) => Number(v), 120)
    .option('--interval <seconds>', 'sampling interval', (v) => Number(v), 5)
    .option('--keep', 'keep the dev server and worker running afterwards (Ctrl-C stops)')
    .addOption(
      new Option(
        '--nodes <kind>',
        'real: system containers with a kubelet (default where this machine can run them); kwok: simulated',
      ).choices([...NODE_KINDS]),
    )
    .addOption(
      new Option(
        '--node-access <access>',
        'how the worker reaches the nodes: ssh (default) or kubernetes (an access pod per node)',
      ).choices(['ssh', 'kubernetes']),
    )
    .action(async (opts) => (await import('./commands/demoCommand.js')).demoCommand(opts));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildCli().parseAsync(argv);
}
