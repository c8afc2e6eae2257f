#!/usr/bin/env bash
# The local platform's image: a Debian rootfs like the matching cloud image (systemd, sshd, sudo,
# python3, curl, ca-certificates, gnupg), built once with debootstrap and kept in a cache folder
# named after its recipe, so a changed recipe builds a new image and an unchanged one is reused.
#   image.sh build, with IMAGE_DIR SUITE DEBIAN_MIRROR PACKAGES (comma-separated) APT_SOURCES from the environment.
set -euo pipefail

main() {
  [[ ${1:-} == build ]] || { echo "usage: image.sh build" >&2; exit 2; }
  : "${IMAGE_DIR:?}" "${SUITE:?}" "${DEBIAN_MIRROR:?}" "${PACKAGES:?}" "${APT_SOURCES:?}"
  mkdir -p "$(dirname "$IMAGE_DIR")"
  # Two stacks may ask for the same image at once: one builds, the other waits and reuses it.
  exec 9>"$IMAGE_DIR.lock"
  flock 9
  if [[ -f $IMAGE_DIR/.complete ]]; then
    echo "image $IMAGE_DIR is cached" >&2
    return 0
  fi
  ensure_tools
  echo "building the $SUITE image (debootstrap from $DEBIAN_MIRROR, about a minute and a half)" >&2
  rm -rf "$IMAGE_DIR.tmp"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$IMAGE_DIR.tmp" "$DEBIAN_MIRROR" >"$IMAGE_DIR.log" 2>&1 \
    || { tail -n 20 "$IMAGE_DIR.log" >&2; echo "debootstrap failed; its log: $IMAGE_DIR.log" >&2; exit 1; }
  generalize "$IMAGE_DIR.tmp"
  touch "$IMAGE_DIR.tmp/.complete"
  rm -rf "$IMAGE_DIR"
  mv "$IMAGE_DIR.tmp" "$IMAGE_DIR"
  echo "image ready: $IMAGE_DIR" >&2
}

# What makes a host unique is made per host (machine.sh), never baked into the image.
generalize() {
  local root=$1
  rm -f "$root"/etc/ssh/ssh_host_* "$root/var/lib/dbus/machine-id"
  : >"$root/etc/machine-id"
  # The package lists debootstrap left behind are stale by the time a host boots, as on a cloud image.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  chroot "$root" systemctl enable --quiet systemd-networkd ssh
  printf '%s' "$APT_SOURCES" >"$root/etc/apt/sources.list"
}

ensure_tools() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "the local platform needs debootstrap (install it)" >&2; exit 1; }
  echo "installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

main "$@"
