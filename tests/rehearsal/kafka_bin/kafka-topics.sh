#!/usr/bin/env bash
# kafka-topics.sh [options]: creates, lists, describes, alters and deletes topics, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
