import { loadKubeClient } from '../../kube/client';
import { sleep } from '../../process/subprocess';
import { syncLoadBalancer } from './loadBalancer';
import { readLoadBalancerConfig } from './loadBalancerProcess';

/** The load balancer's process (started by loadBalancerUp): one pass a second until SIGTERM. */
async function main(configFile: string): Promise<void> {
  const config = readLoadBalancerConfig(configFile);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} [real nodes] ${line}\n`);
  // A bound on each request: a stalled API server must not hang the loop.
  const client = await loadKubeClient({ kubeconfigPath: config.kubeconfigPath }, { requestTimeoutMs: 15_000 });
  const kube = { list: client.list.bind(client), patchStatus: client.patchStatus!.bind(client) };
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => (stopping = true));
  while (!stopping) {
    await syncLoadBalancer(config, kube, log);
    await sleep(1_000);
  }
}

if (require.main === module) {
  main(process.argv[2] ?? '').catch((error: Error) => {
    process.stderr.write(`load balancer: ${error.message}\n`);
    process.exit(1);
  });
}
