#!/usr/bin/env bash
# kafka-configs.sh [options]: describes and alters configs (SCRAM logins among them), with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
