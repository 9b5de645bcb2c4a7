/**
 * The trust split of the experiment's fields. Whoever can start a workflow (the Temporal UI is the front
 * door) may choose the experiment's design; the fields below choose where credentials go, what gets
 * probed and what root runs on a node, so only the worker's config file may set them (its `experiment:`
 * section, or a named entry of `environments:` that the input picks with `environment: "<name>"`).
 * The README's Configuration table is checked against this list (test/unit/config/trust.test.ts).
 *
 * Every other field is design. Which tools run, and when, is design too: `tools.kubeBench.enabled`/`mode`,
 * `tools.kubeHunter.enabled`/`modes`, `tools.trivy.enabled`/`modes`/`compliance`, and `tools.auditAfterWindow`
 * (the tools after every scenario's window). Trivy always runs on the worker host, against the cluster's kubeconfig.
 * They choose nothing the worker config has not allowed: the targets, active hunting, the subnet-probing modes'
 * permission and what kube-bench runs as stay below.
 */
import { ownValue } from './ownKeys';

export interface EnvironmentField {
  /** Dotted path in the experiment config. */
  field: string;
  /** Why it is not the input's to choose. */
  why: string;
}

export const ENVIRONMENT_FIELDS: readonly EnvironmentField[] = [
  { field: 'cluster.provider', why: 'chooses the cluster and the credentials used to reach it' },
  { field: 'cluster.kubeconfigPath', why: 'names a credentials file on the worker' },
  { field: 'cluster.context', why: 'chooses which cluster and user of the kubeconfig the worker acts as' },
  { field: 'cluster.linode.apiUrl', why: 'chooses where the Linode token is sent' },
  { field: 'cluster.linode.tokenEnv', why: 'chooses which worker variable is sent as the Linode token' },
  { field: 'cluster.linode.tokenFile', why: 'chooses which worker file is sent as the Linode token' },
  { field: 'cluster.linode.ssh', why: 'chooses the SSH users and private keys used on the nodes LKE creates' },
  { field: 'nodeMapPath', why: 'chooses the SSH hosts, users and private keys' },
  { field: 'nodeAccess', why: 'chooses whether the worker runs a privileged pod on every node (root on the node) instead of SSH' },
  { field: 'nodeAccessImage', why: 'chooses the image that runs privileged, as root, in every node\'s namespaces' },
  { field: 'nodeAccessTolerations', why: 'chooses which tainted nodes get a root pod despite their owner\'s taint' },
  { field: 'tools.kubeBench.binaryPath', why: 'chooses what runs with sudo on a node' },
  { field: 'tools.kubeBench.configDir', why: 'chooses what the root kube-bench process reads on a node' },
  { field: 'tools.kubeHunter.remoteTarget', why: 'chooses what host gets probed' },
  { field: 'tools.kubeHunter.active', why: 'active hunting changes what it probes' },
  { field: 'tools.kubeHunter.subnetProbes', why: 'allows the modes that probe whole subnets, and names the network they must stay in' },
  { field: 'tools.trivy.binaryPath', why: 'chooses what runs on the worker host with the cluster\'s credentials' },
];

export const ENVIRONMENT_FIELD_NAMES: ReadonlySet<string> = new Set(ENVIRONMENT_FIELDS.map((f) => f.field));

/** The own value at a dotted path: inherited values (a `__proto__` key in the input) are not the object's. */
function valueAt(source: unknown, dotted: string): unknown {
  let value = source;
  for (const key of dotted.split('.')) value = ownValue(value, key);
  return value;
}

/** The value of an environment field (dotted path) in a config, own properties only. */
export function environmentValue(config: unknown, field: string): unknown {
  return valueAt(config, field);
}

/** The environment fields an input sets (in table order). */
export function environmentFieldsSetIn(input: unknown): EnvironmentField[] {
  return ENVIRONMENT_FIELDS.filter((f) => valueAt(input, f.field) !== undefined);
}

/** A copy without the environment fields (design defaults of a config section stay). */
export function withoutEnvironmentFields(source: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(source);
  for (const { field } of ENVIRONMENT_FIELDS) {
    const keys = field.split('.');
    const last = keys.pop()!;
    const holder = keys.length ? valueAt(copy, keys.join('.')) : copy;
    if (typeof holder === 'object' && holder !== null && !Array.isArray(holder)) delete (holder as Record<string, unknown>)[last];
  }
  return copy;
}
