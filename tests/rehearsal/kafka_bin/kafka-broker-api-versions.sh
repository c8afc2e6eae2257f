#!/usr/bin/env bash
# kafka-broker-api-versions.sh [options]: lists the API versions each broker supports, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
