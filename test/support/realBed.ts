import { numberedNodes, type TestbedInstance } from '../../src/testbed';

/**
 * The real-node tests' own instance (other ports and addresses than the shared KWOK bed's and a user's): one at a
 * time (waitForFreeInstance), since the files that use it share the network namespace it names.
 */
export function realTestInstance(nodeCount = 3): TestbedInstance {
  return {
    clusterName: 'hardenlab-real-test',
    ports: {
      kubeApiserver: 26443,
      etcd: 22379,
      etcdPeer: 22380,
      kubeControllerManager: 30257,
      kubeScheduler: 30259,
      kwokController: 30247,
      ssh: 22,
    },
    nodes: numberedNodes('real-node', 41, nodeCount),
  };
}
