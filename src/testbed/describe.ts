import type { SimStatusResult } from './sim';

/** Human-readable lines for `hardenlab sim status`. */
export function describeSimStatus(status: SimStatusResult): string[] {
  const mark = (running: boolean) => (running ? 'running' : 'stopped');
  const lines = [
    `test bed: ${status.running ? 'running' : status.components.length === 0 ? 'not started' : 'degraded'}`,
    `API server ${status.apiServerUrl}: ${status.apiReady ? 'ready' : 'not ready'}`,
  ];
  for (const component of status.components) lines.push(`  ${component.name}: ${mark(component.running)}${component.pid ? ` (pid ${component.pid})` : ''}`);
  for (const host of status.nodeHosts) lines.push(`  node host ${host.name} ${host.address}:22: ${mark(host.running)}${host.running && host.pid ? ` (pid ${host.pid})` : ''}`);
  if (status.kubeconfigPath) lines.push(`kubeconfig: ${status.kubeconfigPath}`);
  if (status.nodeMapPath) lines.push(`node map: ${status.nodeMapPath}`);
  return lines;
}
