# shellcheck shell=bash
# Shared by the sysstat fixture recorders (sysstat-fixtures.sh, sysstat-window-fixtures.sh): tools, a work dir with
# compiled locales, and sadc under a fake clock. Sourced with the recorder's arguments: $1 is the output folder
# (test/fixtures/sysstat by default). Sets $repo_root, $out, $sadc and $work.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo_root/test/fixtures/sysstat}"
sadc=/usr/lib/sysstat/sadc
missing=()
command -v sar >/dev/null || missing+=(sysstat)
command -v faketime >/dev/null || missing+=(faketime)
command -v localedef >/dev/null || missing+=(locales)
command -v unshare >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/locale" "$out"
localedef -i en_US -f UTF-8 "$work/locale/en_US.UTF-8" >/dev/null 2>&1 || true
localedef -i de_DE -f UTF-8 "$work/locale/de_DE.UTF-8" >/dev/null 2>&1 || true

# record HOST START_CLOCK FILE INTERVAL COUNT: sadc with a fake wall clock, in the background.
record() {
  unshare --uts sh -c "hostname '$1'; exec faketime -f '@$2' $sadc $4 $5 '$3'" &
}
restart_mark() {
  unshare --uts sh -c "hostname '$1'; exec faketime -f '@$2' $sadc '$3'"
}
cpu_burst() { sleep "$1"; timeout "$2" sh -c 'while :; do :; done' || true; }
mem_hold() { sleep "$1"; node -e "const b=Buffer.alloc(1.5*2**30,1); setTimeout(()=>b.length,$2*1000)"; }
c() { LC_ALL=C "$@"; }
us() { LOCPATH="$work/locale" LC_ALL=en_US.UTF-8 "$@"; }
de() { LOCPATH="$work/locale" LC_ALL=de_DE.UTF-8 "$@"; }
