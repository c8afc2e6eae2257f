#!/usr/bin/env bash
# kafka-storage.sh [options]: formats and inspects KRaft storage directories, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
