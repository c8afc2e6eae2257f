#!/usr/bin/env bash
# zookeeper-server-start.sh zookeeper.properties: runs the ZooKeeper that ships with Kafka 3 in
# the foreground with Apache's defaults (512 MiB heap, server logging on stdout). Part of a test
# assembly (see ../README); only distributions whose jars include ZooKeeper carry it.
set -euo pipefail

dist=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/log4j-opts.sh
. "$dist/bin/log4j-opts.sh"

if (($# < 1)); then
  echo "USAGE: $0 zookeeper.properties" >&2
  exit 1
fi
if [[ $1 == -daemon ]]; then
  echo "$0: -daemon is not supported by this test assembly: ZooKeeper runs in the foreground (under systemd)" >&2
  exit 1
fi

export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:-"-Xmx512M -Xms512M"}
KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:-$(log4j_opts "$dist")}
export KAFKA_LOG4J_OPTS
exec "$dist/bin/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
