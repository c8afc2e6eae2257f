#!/usr/bin/env bash
# kafka-metadata-quorum.sh [options]: describes the KRaft controller quorum, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
