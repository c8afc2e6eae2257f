#!/usr/bin/env bash
# What the tests need beyond Python packages, installed only when missing (Debian/Ubuntu apt):
# iproute2 for network namespaces, a Java 17+ runtime and Maven for the real Kafka broker.
#   scripts/test-deps.sh        system packages
#   scripts/test-deps.sh jars   also resolve the Kafka jars through Maven (cached in ~/.m2)
set -euo pipefail

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ensure_tools
  if [[ ${1:-} == jars ]]; then
    echo "==> resolving Kafka jars for the real-broker tests (Maven Central, cached in ~/.m2)"
    .venv/bin/python -c 'from components import releases; from tests.integration import jars
for version in (releases.DEFAULT_KAFKA, releases.ZOOKEEPER_KAFKA):
    jars.classpath(version)' 
  fi
}

ensure_tools() {
  local missing=()
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
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
