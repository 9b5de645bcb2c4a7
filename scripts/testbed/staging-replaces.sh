#!/usr/bin/env bash
# Prints `go mod edit` flags that replace every k8s.io/kubernetes staging module with its published release.
#
# k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...) at v0.0.0 and replaces them
# with ./staging/src/... paths. Replace lines of a dependency are ignored, so a module that depends on
# k8s.io/kubernetes must itself map each of them to the published tag (v1.X.Y -> v0.X.Y). The list comes
# from the pinned go.mod so it follows upstream when the pin moves.
#
# Usage: staging-replaces.sh <path to k8s.io/kubernetes go.mod> <kubernetes version, e.g. v1.36.3>
set -euo pipefail

gomod="${1:?usage: staging-replaces.sh <go.mod> <kubernetes version>}"
k8s_version="${2:?usage: staging-replaces.sh <go.mod> <kubernetes version>}"

if [[ ! "$k8s_version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "staging-replaces: '$k8s_version' is not a Kubernetes release like v1.36.3" >&2
  exit 2
fi
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"

# Accepts both the block form `replace ( a => ./staging/src/a )` and single lines `replace a => ./staging/src/a`.
modules=$(awk '
  /^replace[ \t]*\(/ { in_block = 1; next }
  in_block && /^\)/ { in_block = 0; next }
  in_block && $2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1; next }
  /^replace[ \t]/ && $3 == "=>" && $4 ~ /^\.\/staging\/src\// { print $2 }
' "$gomod" | sort -u)

if [[ -z "$modules" ]]; then
  echo "staging-replaces: no ./staging/src replace lines found in $gomod" >&2
  exit 1
fi

for module in $modules; do
  printf -- '-replace=%s=%s@%s\n' "$module" "$module" "$staging_version"
done
