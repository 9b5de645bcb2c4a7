/**
 * The environment fields' dotted paths, for workflow code (which may not import src/config): a scenario run
 * started without its experiment names the ones its input sets. src/config/trust.ts says why each is the
 * worker's; test/unit/config/trust.test.ts keeps the two lists equal.
 */
export const ENVIRONMENT_FIELD_PATHS: readonly string[] = [
  'cluster.provider',
  'cluster.kubeconfigPath',
  'cluster.context',
  'cluster.linode.apiUrl',
  'cluster.linode.tokenEnv',
  'cluster.linode.tokenFile',
  'cluster.linode.ssh',
  'nodeMapPath',
  'nodeAccess',
  'nodeAccessImage',
  'nodeAccessTolerations',
  'tools.kubeBench.binaryPath',
  'tools.kubeBench.configDir',
  'tools.kubeHunter.remoteTarget',
  'tools.kubeHunter.active',
  'tools.kubeHunter.subnetProbes',
  'tools.trivy.binaryPath',
];

/** The environment fields a config sets, own properties only (in list order). */
export function environmentPathsSetIn(config: unknown): string[] {
  return ENVIRONMENT_FIELD_PATHS.filter((field) => {
    let value: unknown = config;
    for (const key of field.split('.')) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return false;
      value = (value as Record<string, unknown>)[key];
    }
    return value !== undefined;
  });
}
