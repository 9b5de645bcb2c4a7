#!/usr/bin/env bash
# Builds the team set-up's Temporal binaries from the Go module proxy into the version-keyed cache, at the
# versions docker-compose.yml runs (deploy/versions.env):
#   <cache>/bin/temporal-<v>/{temporal-server,temporal-sql-tool}   go.temporal.io/server cmd/server, cmd/tools/sql
#   <cache>/bin/temporal-ui-<v>/temporal-ui-server                   github.com/temporalio/ui-server/v2 cmd/server
# The SQL tool carries the PostgreSQL schemas embedded (--schema-name postgresql/v12/...), the UI server its
# built web assets, so nothing else is needed at run time. Cheap when the folders are complete.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../deploy/versions.env
source "$script_dir/../../deploy/versions.env"
# shellcheck source=../lib/go-build.sh
source "$script_dir/../lib/go-build.sh" "temporal build"

build_server() {
  local out_dir="$bin_root/temporal-$TEMPORAL_VERSION" version="v$TEMPORAL_VERSION"
  if cached "$out_dir" "temporal $version" temporal-server temporal-sql-tool; then return; fi
  local started=$SECONDS gomod
  log "temporal $version: building the server and temporal-sql-tool"
  gomod="$(pinned_gomod "go.temporal.io/server@$version")"
  build_wrapped temporal "$out_dir" "$(go_directive_of "$gomod")" "" -require="go.temporal.io/server@$version" -- \
    "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version"
  mv "$out_dir/server" "$out_dir/temporal-server"
  mv "$out_dir/sql" "$out_dir/temporal-sql-tool"
  # The server states its version; a build from another module version would say so here.
  local reported
  reported="$("$out_dir/temporal-server" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -n1 || true)"
  [[ "$reported" == "$TEMPORAL_VERSION" ]] || die "temporal-server reports version '$reported', expected $TEMPORAL_VERSION."
  finish "$out_dir" "temporal $version" "$started"
}

build_ui() {
  local out_dir="$bin_root/temporal-ui-$TEMPORAL_UI_VERSION" version="v$TEMPORAL_UI_VERSION"
  if cached "$out_dir" "temporal UI $version" temporal-ui-server; then return; fi
  local started=$SECONDS gomod module=github.com/temporalio/ui-server/v2
  log "temporal UI $version: building the UI server"
  gomod="$(pinned_gomod "$module@$version")"
  # The UI server's go.mod replaces grpc-gateway with Temporal's fork; a dependency's replaces are ignored,
  # so the wrapper carries the same lines (read from the pinned go.mod, not copied by hand).
  local replaces=() line
  while read -r line; do
    [[ "$line" =~ ^replace\ ([^ ]+)\ =\>\ ([^ ]+)\ ([^ ]+)$ ]] &&
      replaces+=("-replace=${BASH_REMATCH[1]}=${BASH_REMATCH[2]}@${BASH_REMATCH[3]}")
  done <"$gomod"
  build_wrapped temporal-ui "$out_dir" "$(go_directive_of "$gomod")" "" -require="$module@$version" "${replaces[@]}" -- \
    "$module/cmd/server@$version"
  mv "$out_dir/server" "$out_dir/temporal-ui-server"
  finish "$out_dir" "temporal UI $version" "$started"
}

main() {
  local total_started=$SECONDS
  log "cache: $bin_root"
  require_go 25 "go.temporal.io/server v$TEMPORAL_VERSION"
  lock_cache temporal-build
  build_server
  build_ui
  log "Temporal binaries ready in $((SECONDS - total_started))s"
}

main "$@"
