# shellcheck shell=bash
# Sourced by realnodes.sh: writes a node's kubelet and kube-proxy configuration, client and serving certificates
# signed by the cluster CA, its pod network (bridge CNI) and the routes to the other nodes' pods, before its first boot.
# Uses realnodes.sh's variables and helpers (HL_STATE, GATEWAY, node_ip, die).
pod_cidr() { printf '10.244.%d.0/24' "$1"; }

# kubeconfig_for USER CERT: a kubeconfig reaching the API server through the namespace's forward, as USER with
# the client certificate /etc/kubernetes/pki/CERT.{crt,key}.
kubeconfig_for() {
  local name="$1" cert="$2"
  cat <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: hardenlab
  cluster:
    server: https://$GATEWAY:$HL_API_PORT
    certificate-authority: /etc/kubernetes/pki/ca.crt
    tls-server-name: $HL_TLS_SERVER_NAME
users:
- name: $name
  user:
    client-certificate: /etc/kubernetes/pki/$cert.crt
    client-key: /etc/kubernetes/pki/$cert.key
contexts:
- name: default
  context: {cluster: hardenlab, user: $name}
current-context: default
KUBECONFIG
}

# sign_cert KEY_OUT CERT_OUT SUBJECT EXTENSIONS: a new P-256 key and its certificate signed by the cluster CA.
sign_cert() {
  local key="$1" cert="$2" subject="$3" extensions="$4" csr
  csr="$(mktemp)"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$key" -subj "$subject" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$HL_CA_CRT" -CAkey "$HL_CA_KEY" -CAcreateserial -CAserial "$NODE_DIR/ca.srl" \
    -days 365 -out "$cert" -extfile <(printf '%b' "$extensions") 2>/dev/null
  rm -f "$csr"
  chmod 0600 "$key"
}

# node_kubelet NAME INDEX ADDRESS: prints "resigned" when the node's certificates were (re)made for a new cluster CA.
node_kubelet() {
  local name="$1" index="$2" address="$3" dir="$HL_STATE/nodes/$1" root pki other ca_digest
  : "${HL_CA_CRT:?}" "${HL_CA_KEY:?}" "${HL_API_PORT:?}" "${HL_TLS_SERVER_NAME:?}" "${HL_NODE_COUNT:?}"
  [[ "$address" == 127.* ]] || die "node $name: the kubelet's address must be on loopback, got '$address'"
  root="$dir/rootfs"
  [[ -d "$root/etc" ]] || die "node $name has no rootfs at $root"
  # Done once per cluster CA: a cluster made anew (new CA) gets the node certificates signed again.
  ca_digest="$(sha256sum "$HL_CA_CRT" | cut -d' ' -f1)"
  [[ -f "$dir/.kubelet" && "$(cat "$dir/.kubelet")" == "$ca_digest" ]] && return 0
  [[ -f "$dir/.kubelet" ]] && printf 'resigned\n'
  NODE_DIR="$dir"
  pki="$root/etc/kubernetes/pki"
  mkdir -p "$pki" "$root/var/lib/kubelet" "$root/etc/cni/net.d"
  cp "$HL_CA_CRT" "$pki/ca.crt"
  # The kubelet's serving certificate, for the loopback address the API server dials it at (its InternalIP):
  # the API server checks it (--kubelet-certificate-authority), so a process that took that port first cannot
  # pass for the kubelet.
  sign_cert "$pki/kubelet-serving.key" "$pki/kubelet-serving.crt" "/O=system:nodes/CN=system:node:$name" \
    "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectAltName=IP:$address,IP:$(node_ip "$index"),DNS:$name\n"
  # The node's own client certificate (group system:nodes), so the Node authorizer and NodeRestriction
  # admission treat it as that node and nothing more.
  sign_cert "$pki/kubelet-client.key" "$pki/kubelet-client.crt" "/O=system:nodes/CN=system:node:$name" \
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
  # kube-proxy's identity: the bootstrap ClusterRoleBinding system:node-proxier names the user system:kube-proxy.
  sign_cert "$pki/kube-proxy.key" "$pki/kube-proxy.crt" "/CN=system:kube-proxy" \
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
  mkdir -p "$root/var/lib/kube-proxy"
  kubeconfig_for kube-proxy kube-proxy >"$root/etc/kubernetes/kube-proxy.conf"
  cat >"$root/var/lib/kube-proxy/config.yaml" <<PROXYCONFIG
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: /etc/kubernetes/kube-proxy.conf}
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: $name
# The conntrack table size and timeouts are host-wide on this kernel: leave them as the host has them.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
PROXYCONFIG
  kubeconfig_for "$name" kubelet-client >"$root/etc/kubernetes/kubelet.conf"
  cat >"$root/var/lib/kubelet/config.yaml" <<KUBELETCONFIG
# A real node's kubelet with its defaults, except what a system container on cgroup v1 requires.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cgroupDriver: cgroupfs
$(cgroup2_active || echo 'failCgroupV1: false # kubelet >= 1.35 refuses cgroup v1 without it')
failSwapOn: false
# The node cannot write host-wide kernel settings nor lower oom_score_adj (no CAP_SYS_RESOURCE).
protectKernelDefaults: false
oomScoreAdj: 0
readOnlyPort: 0
tlsCertFile: /etc/kubernetes/pki/kubelet-serving.crt
tlsPrivateKeyFile: /etc/kubernetes/pki/kubelet-serving.key
# The node sees every host CPU through its cpuset but gets only its share by CFS quota: reserve the rest.
systemReserved: {cpu: "$(reserved_cpu_milli)m"}
podCIDR: $(pod_cidr "$index")
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
# As kubeadm sets it up: no anonymous callers; client certificates of the cluster CA (the API server's for
# logs and exec) and bearer tokens are checked, and every request is authorized by the API server (webhook).
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}}
authorization: {mode: Webhook}
KUBELETCONFIG
  cat >"$root/etc/cni/net.d/10-hardenlab.conflist" <<CNI
{"cniVersion": "1.0.0", "name": "hardenlab", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$(pod_cidr "$index")"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
CNI
  # Pods on other nodes are reached through those nodes (the routes a cloud network would carry); once.
  grep -q '^Gateway=' "$root/etc/systemd/network/10-host0.network" ||
  for ((other = 1; other <= HL_NODE_COUNT; other++)); do
    ((other == index)) && continue
    printf '\n[Route]\nDestination=%s\nGateway=%s\n' "$(pod_cidr "$other")" "$(node_ip "$other")" >>"$root/etc/systemd/network/10-host0.network"
  done
  mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
  ln -sf /etc/systemd/system/kubelet.service "$root/etc/systemd/system/multi-user.target.wants/kubelet.service"
  ln -sf /etc/systemd/system/kube-proxy.service "$root/etc/systemd/system/multi-user.target.wants/kube-proxy.service"
  printf '%s\n' "$ca_digest" >"$dir/.kubelet"
}
