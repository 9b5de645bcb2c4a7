import type { ClusterSpec } from '../config/experiment';
import type { ClusterRef } from '../domain/contracts';
import type { KubeClient } from '../kube/kubeObjects';

export type ProviderName = ClusterSpec['provider'];

export interface ProvisionContext {
  runId: string;
  spec: ClusterSpec;
  nodeMapPath?: string;
  /** The data folder (hardenlabHome()); per-run files go under clusters/<runId>/. */
  home: string;
  env: NodeJS.ProcessEnv;
  /** Opens a cluster (injected so tests and providers share one loader). */
  kube: (ref: ClusterRef) => Promise<KubeClient>;
}

export interface Provisioned {
  ref: ClusterRef;
  /** True when this run created the cluster and must tear it down. */
  created: boolean;
  /** The nodes of a node map derived from the created cluster (cluster.linode.ssh): which address each was sampled at. */
  derivedNodes?: { node: string; host: string }[];
}

export interface TeardownContext {
  runId: string;
  ref: ClusterRef;
  home: string;
  env: NodeJS.ProcessEnv;
}

export interface TeardownOutcome {
  deleted: boolean;
  detail: string;
}

/** Where a run's cluster comes from: an existing kubeconfig, the local test bed, or a new LKE cluster. */
export interface ClusterProvider {
  readonly name: ProviderName;
  provision(ctx: ProvisionContext): Promise<Provisioned>;
  /** Removes only what this run created; safe to call twice. */
  teardown(ctx: TeardownContext): Promise<TeardownOutcome>;
}
