import type { TestbedStatusResult } from './lifecycle';
import { describeCgroupPlan } from './cgroupHost';
import { renderTestbedConfig } from './testbedConfig';

/** Human-readable lines for `hardenlab testbed status`. */
export function describeTestbedStatus(status: TestbedStatusResult): string[] {
  const mark = (running: boolean) => (running ? 'running' : 'stopped');
  const lines = [
    `test bed: ${status.running ? 'running' : status.components.length === 0 ? 'not started' : 'degraded'}`,
    `API server ${status.apiServerUrl}: ${status.apiReady ? 'ready' : 'not ready'}`,
  ];
  for (const component of status.components)
    lines.push(`  ${component.name}: ${mark(component.running)}${component.pid ? ` (pid ${component.pid})` : ''}`);
  if (status.nodes)
    lines.push(
      `nodes: ${status.nodes === 'real' ? 'real (system containers with a kubelet)' : 'kwok (simulated, sshd hosts on this machine)'}`,
    );
  if (status.cgroup) {
    const [plan, ...notes] = describeCgroupPlan(status.cgroup).split('\n');
    lines.push(`cgroup: ${plan!.replace(/^real nodes use cgroup /, '')}`, ...notes.map((note) => `  ${note}`));
  }
  const label = status.nodes === 'real' ? 'real node' : 'node host';
  for (const host of status.nodeHosts) {
    const usage =
      host.cpuSeconds !== undefined
        ? `, ${host.cpuSeconds.toFixed(1)} CPU s used, ${((host.memoryBytes ?? 0) / 2 ** 20).toFixed(0)} MiB charged`
        : '';
    lines.push(
      `  ${label} ${host.name} ${host.address}:22: ${mark(host.running)}${host.running && host.pid ? ` (pid ${host.pid}${usage})` : ''}`,
    );
  }
  if (status.kubeconfigPath) lines.push(`kubeconfig: ${status.kubeconfigPath}`);
  if (status.nodeMapPath) lines.push(`node map: ${status.nodeMapPath}`);
  if (status.config) {
    lines.push(`configuration in force (from ${status.config.source}):`);
    lines.push(...renderTestbedConfig(status.config).trimEnd().split('\n').map((line) => `  ${line}`));
  }
  return lines;
}
