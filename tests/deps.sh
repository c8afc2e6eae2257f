#!/usr/bin/env bash
# What the tests need beyond Python packages, installed only when missing (Debian/Ubuntu apt):
# iproute2 for network namespaces, a Java 17+ runtime and Maven for the real Kafka broker, and for
# the rehearsal systemd-nspawn, debootstrap, apt-cacher-ng, an SSH client, and Debian's OpenJDK 17
# runtime, which the rehearsal mirror puts into Logstash's archive as its jdk/ (whatever java is on PATH).
# gpg signs a throwaway release so the stage's Elastic signature check runs offline.
#   tests/deps.sh        system packages
#   tests/deps.sh jars   also resolve the Kafka jars through Maven (cached in ~/.m2)
set -euo pipefail

# command -> the Debian package that provides it
TOOLS=(
  "ip iproute2"
  "java openjdk-17-jre-headless"
  "mvn maven"
  "systemd-nspawn systemd-container"
  "debootstrap debootstrap"
  "apt-cacher-ng apt-cacher-ng"
  "ssh openssh-client"
  "gpg gpg"
)
# Debian packages needed as packages, not only for a command on PATH.
PACKAGES=(openjdk-17-jre-headless)

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ensure_tools
  if [[ ${1:-} == jars ]]; then
    echo "==> resolving Kafka jars for the real-broker tests (Maven Central, cached in ~/.m2)"
    .venv/bin/python -c 'from components import releases; from tests.integration import jars
for version in (releases.DEFAULT_KAFKA, releases.ZOOKEEPER_KAFKA, releases.UPGRADE_FROM_KAFKA):
    jars.classpath(version)'
  fi
}

ensure_tools() {
  local missing=() entry
  for entry in "${TOOLS[@]}"; do
    command -v "${entry%% *}" >/dev/null 2>&1 || missing+=("${entry##* }")
  done
  for entry in "${PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$entry" 2>/dev/null | grep -q 'ok installed' || missing+=("$entry")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "The tests need: ${missing[*]}. Install them (as root, with your package manager) and run again." >&2
    exit 1
  fi
  echo "==> installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

main "$@"
