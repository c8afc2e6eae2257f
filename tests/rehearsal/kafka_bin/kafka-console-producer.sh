#!/usr/bin/env bash
# kafka-console-producer.sh [options]: sends the lines of stdin to a topic, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512M}
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
