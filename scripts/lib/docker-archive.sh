# shellcheck shell=bash
# Sourced by the image build scripts.
# remove_scratch DIR: mmdebstrap mounts /proc, /sys and /dev in its rootfs while it works, and a build stopped
# half-way leaves them mounted: unmount what is under DIR, then delete it without crossing into any mount.
remove_scratch() {
  findmnt -rno TARGET | grep -F "$1/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$1" 2>/dev/null || true
}

# docker_archive <tag> <rootfs dir> <entrypoint JSON array> <out.tar>
# [extra config fields] writes a docker-archive tarball: one layer (reproducible: sorted, root-owned, fixed
# mtime), one config, one manifest. Needs $work (a scratch folder) and a log function.
docker_archive() {
  local tag="$1" rootfs="$2" entrypoint="$3" out="$4" extra="${5:-}" dir layer_sha config_sha
  dir="${work:?docker_archive needs \$work}/archive-$(basename "$out" .tar)"
  mkdir -p "$dir"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2020-01-01 00:00:00' -C "$rootfs" -cf "$dir/layer.tar" .
  layer_sha="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  printf '{"architecture":"amd64","os":"linux","config":{%s"Entrypoint":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$extra" "$entrypoint" "$layer_sha" >"$dir/config.json"
  config_sha="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
  mv "$dir/config.json" "$dir/$config_sha.json"
  mv "$dir/layer.tar" "$dir/$layer_sha.tar"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s.tar"]}]' "$config_sha" "$tag" "$layer_sha" >"$dir/manifest.json"
  tar --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$out" manifest.json "$config_sha.json" "$layer_sha.tar"
  log "$tag -> $(basename "$out") ($(du -h "$out" | cut -f1))"
}

# busybox_rootfs <dir> [applet...]: Debian's static busybox (unpacked from its package, nothing installed here)
# as <dir>/bin/busybox, with a symlink per applet (every applet when none are named) and a sticky /tmp.
busybox_rootfs() {
  local dir="$1" deb
  shift
  deb="$(mktemp -d "$work/busybox-deb.XXXXXX")"
  (cd "$deb" && apt-get download busybox-static >/dev/null 2>&1) || die "apt-get download busybox-static failed (run apt-get update?)"
  dpkg-deb -x "$deb"/busybox-static_*.deb "$deb/extract"
  mkdir -p "$dir/bin" "$dir/tmp"
  cp "$deb/extract/bin/busybox" "$dir/bin/busybox"
  local applets=("$@")
  ((${#applets[@]} > 0)) || mapfile -t applets < <("$dir/bin/busybox" --list | grep -vx busybox)
  for applet in "${applets[@]}"; do ln -sf busybox "$dir/bin/$applet"; done
  chmod 1777 "$dir/tmp"
}
