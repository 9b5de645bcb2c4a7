/**
 * The node-access tests' real-node bed: its own network namespace, ports and node addresses, so it may run beside
 * the real-node test's (lane nodeaccess beside lane realnodes). Its files run one after the other, each with its own home.
 */
import { numberedNodes, type TestbedInstance } from '../../src/testbed';

export const ACCESS_INSTANCE: TestbedInstance = {
  clusterName: 'hardenlab-access-test',
  ports: {
    kubeApiserver: 21443,
    etcd: 21379,
    etcdPeer: 21380,
    kubeControllerManager: 30357,
    kubeScheduler: 30359,
    kwokController: 30347,
    ssh: 22,
  },
  nodes: numberedNodes('access-node', 51),
};
