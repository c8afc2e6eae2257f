#!/usr/bin/env bash
# kafka-console-consumer.sh [options]: prints the records of a topic on stdout, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512M}
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
