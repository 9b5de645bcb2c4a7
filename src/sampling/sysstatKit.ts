/**
 * Where the sampler finds sadc and sadf: the node's own sysstat, or else (Kubernetes node access only) the
 * portable sysstat the access pod's image carries, which the connector copied to SYSSTAT_KIT_DIR on a node
 * whose package manager could not install sysstat (src/nodeaccess/sysstatKitCopy.ts). The kit runs as root, so
 * it is used only with the sums the worker read from the image, checked right before each use.
 */
import { shellQuote } from '../ssh/shell';

/** On the node: root's own, 0700 (the parent is checked before the copy). The kit's binaries load their libraries from here. */
export const SYSSTAT_KIT_DIR = '/var/lib/hardenlab/sysstat';
export const SADC_CANDIDATES = ['/usr/lib/sysstat/sadc', '/usr/lib64/sa/sadc', '/usr/libexec/sa/sadc'];

/** The kit's expected contents: `sha256sum` lines as the image's SHA256SUMS holds them (paths relative to the kit). */
export interface SysstatKitSums {
  sums: string;
}

/**
 * Sets $sadc and $sadf (and $kit=1 when they are the kit's). Without `kit`, only the node's own sysstat
 * counts: a kit left on the node by another run is not trusted by a transport that cannot check it.
 */
export function findSysstat(kit?: SysstatKitSums): string {
  const own = `sadc=""; sadf=""; kit=0
for c in ${SADC_CANDIDATES.join(' ')}; do if [ -x "$c" ]; then sadc="$c"; break; fi; done
sadf=$(command -v sadf 2>/dev/null || true)`;
  if (!kit) return own;
  const dir = shellQuote(SYSSTAT_KIT_DIR);
  return `${own}
if { [ -z "$sadc" ] || [ -z "$sadf" ]; } && [ -x ${dir}/sadc ]; then
  if [ -d ${dir} ] && [ ! -L ${dir} ] && [ "$(stat -c %u:%a ${dir})" = 0:700 ] &&
    (cd ${dir} && printf '%s\\n' ${shellQuote(kit.sums.trim())} | sha256sum -c --quiet - >/dev/null 2>&1); then
    sadc=${dir}/sadc; sadf=${dir}/sadf; kit=1
  else echo "error=the uploaded sysstat in ${SYSSTAT_KIT_DIR} is not root's private folder or does not match its sha256 sums"; exit 4; fi
fi`;
}
