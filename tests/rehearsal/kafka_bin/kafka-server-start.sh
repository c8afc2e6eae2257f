#!/usr/bin/env bash
# kafka-server-start.sh server.properties [--override property=value]...: runs the broker in the
# foreground with Apache's defaults (1 GiB heap, server logging on stdout) unless the environment
# says otherwise. Part of a test assembly (see ../README).
set -euo pipefail

dist=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/log4j-opts.sh
. "$dist/bin/log4j-opts.sh"

if (($# < 1)); then
  echo "USAGE: $0 server.properties [--override property=value]*" >&2
  exit 1
fi
if [[ $1 == -daemon ]]; then
  echo "$0: -daemon is not supported by this test assembly: the broker runs in the foreground (under systemd)" >&2
  exit 1
fi

export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:-"-Xmx1G -Xms1G"}
KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:-$(log4j_opts "$dist")}
export KAFKA_LOG4J_OPTS
exec "$dist/bin/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
