#!/usr/bin/env bash
# kafka-acls.sh [options]: adds, lists and removes ACLs, with Apache's arguments.
# Part of a test assembly (see ../README); the main class is filled in for its release.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" "@MAIN_CLASS@" "$@"
