# shellcheck shell=bash
# Sourced by realnodes.sh: the test bed's load balancer, as a cloud provider gives one (kind's
# cloud-provider-kind does the same for kind). Every Service of type LoadBalancer gets an address from a pool
# on host loopback, written to its status, and each of its ports is forwarded from there into the namespace,
# to that port's NodePort on the first node (kube-proxy there sends it on to a pod on any node). Nothing
# leaves the namespace: the forwards are the same unix-socket pairs as the others.
# Uses realnodes.sh's variables and helpers (HL_STATE, FWD, PIDS, forward_in, stop_pid, spawn, log, die).
# Environment: HL_KUBECTL, HL_KUBECONFIG, HL_LB_POOL (space-separated loopback addresses), HL_LB_TARGET (the
# node address inside the namespace whose NodePorts the forwards reach).
LB_STATE="${HL_STATE:?}/lb"

# kubectl with a bound on each request: a stalled API server must not hang the loop.
lb_kubectl() { "$HL_KUBECTL" --kubeconfig "$HL_KUBECONFIG" --request-timeout=15s "$@"; }

# One line per LoadBalancer Service: uid namespace name ingress-ip port:nodePort,...
lb_services() {
  lb_kubectl get services --all-namespaces -o \
    jsonpath='{range .items[?(@.spec.type=="LoadBalancer")]}{.metadata.uid}{" "}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.loadBalancer.ingress[0].ip}{"- "}{range .spec.ports[*]}{.port}:{.nodePort},{end}{"\n"}{end}'
}

lb_free_address() {
  local address
  for address in $HL_LB_POOL; do
    grep -qxF "$address" "$LB_STATE"/*.address 2>/dev/null || { printf '%s' "$address"; return 0; }
  done
  return 1
}

lb_release() {
  local uid="$1" file
  for file in "$PIDS"/fwd-lb-"$uid"-*.pid; do [[ -e "$file" ]] && stop_pid "$file" 2; done
  rm -f "$FWD"/lb-"$uid"-*.sock "$LB_STATE/$uid.address"
  log "load balancer: released the address of Service uid $uid (deleted)"
}

lb_sync() {
  local listing uid namespace name ingress ports address pair seen=" "
  listing="$(lb_services 2>"$LB_STATE/list.err")" || { log "load balancer: listing Services failed (retried): $(tail -n 2 "$LB_STATE/list.err")"; return 0; }
  while read -r uid namespace name ingress ports; do
    [[ -n "$uid" ]] || continue
    seen+="$uid "
    ingress="${ingress%-}"
    if [[ ! -f "$LB_STATE/$uid.address" ]]; then
      address="$(lb_free_address)" || { log "load balancer: no free address for $namespace/$name"; continue; }
      for pair in ${ports//,/ }; do
        [[ "${pair#*:}" =~ ^[0-9]+$ ]] || continue
        # In a subshell: a port someone else holds ends this forward (logged), not the loop.
        (forward_in "lb-$uid-${pair%%:*}" "$address" "${pair%%:*}" "$HL_LB_TARGET:${pair#*:}") ||
          log "load balancer: no forward for $namespace/$name port ${pair%%:*} on $address"
      done
      printf '%s\n' "$address" >"$LB_STATE/$uid.address"
      log "load balancer: $namespace/$name on $address ($ports -> $HL_LB_TARGET)"
    fi
    address="$(cat "$LB_STATE/$uid.address")"
    if [[ "$ingress" != "$address" ]]; then
      # A failed patch is logged and tried again on the next pass (the status still differs then).
      lb_kubectl -n "$namespace" patch service "$name" --subresource=status --type=merge \
        -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$address\"}]}}}" >/dev/null 2>"$LB_STATE/patch.err" ||
        log "load balancer: setting the address of $namespace/$name failed (retried): $(tail -n 2 "$LB_STATE/patch.err")"
    fi
  done <<<"$listing"
  for file in "$LB_STATE"/*.address; do
    [[ -e "$file" ]] || continue
    uid="$(basename "$file" .address)"
    [[ "$seen" == *" $uid "* ]] || lb_release "$uid"
  done
}

lb_loop() {
  : "${HL_KUBECTL:?}" "${HL_KUBECONFIG:?}" "${HL_LB_POOL:?}" "${HL_LB_TARGET:?}"
  mkdir -p "$LB_STATE"
  trap 'exit 0' TERM INT
  while :; do
    lb_sync
    sleep 1
  done
}

lb_up() {
  : "${HL_KUBECTL:?}" "${HL_KUBECONFIG:?}" "${HL_LB_POOL:?}" "${HL_LB_TARGET:?}"
  local address
  for address in $HL_LB_POOL; do [[ "$address" == 127.* ]] || die "load balancer pool address $address is not on loopback"; done
  owned_pid "$PIDS/lb.pid" >/dev/null && return 0
  # The state folder on its command line marks the process as this test bed's (owned_pid).
  spawn lb bash "${BASH_SOURCE[0]%/*}/realnodes.sh" lb-loop "$HL_STATE"
  log "load balancer: Services of type LoadBalancer get an address of $HL_LB_POOL"
}

lb_down() {
  local file
  stop_pid "$PIDS/lb.pid" 5
  for file in "$LB_STATE"/*.address; do [[ -e "$file" ]] && lb_release "$(basename "$file" .address)"; done
  return 0
}
