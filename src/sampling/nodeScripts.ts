/** Read-only node scripts beside the sampler's: boot time, boot id and what the node says about the machine under it. */
import { shellQuote } from '../ssh/shell';

/** systemd-analyze, with the reason printed when it cannot answer (no systemd). */
export function bootTimeScript(): string {
  return `if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "unavailable=systemd-analyze not installed (no systemd on this node)"; exit 0
fi
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
  echo "unavailable=PID 1 is $(cat /proc/1/comm 2>/dev/null || echo unknown), not systemd"; exit 0
fi
out=$(LC_ALL=C systemd-analyze 2>&1); rc=$?
echo "rc=$rc"
printf '%s\\n' "$out" | sed 's/^/out=/'
`;
}

export function bootIdScript(): string {
  // The kernel's boot id, and when PID 1 started (field 22 of its stat, after the command name): a system
  // container's reboot starts a new PID 1 on the same kernel, so the kernel's id alone would not change.
  return `printf '%s-%s\\n' "$(cat /proc/sys/kernel/random/boot_id)" "$(sed 's/.*) //' /proc/1/stat | cut -d' ' -f20)"`;
}

/**
 * What the node says about the machine under it, for the report's shared-host check: machine-id, boot id,
 * kernel, online CPUs, and whether /proc/stat is lxcfs's (a system container). Read-only, so safe to repeat.
 */
export function nodeIdentityScript(): string {
  const read = (key: string, path: string) => `printf '${key}=%s\\n' "$(cat ${shellQuote(path)} 2>/dev/null)"`;
  return `${read('machine_id', '/etc/machine-id')}
${read('boot_id', '/proc/sys/kernel/random/boot_id')}
printf 'kernel=%s\\n' "$(uname -r 2>/dev/null)"
printf 'cpus=%s\\n' "$(nproc 2>/dev/null)"
if grep -w ${shellQuote('/proc/stat')} ${shellQuote('/proc/self/mountinfo')} 2>/dev/null | grep -q lxcfs; then
  echo proc_stat_lxcfs=1
else
  echo proc_stat_lxcfs=0
fi
`;
}
