# shellcheck shell=bash
# Stage "java": sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
: "${JAVA_PACKAGE:?}"

stage_main() {
  ensure_packages "$JAVA_PACKAGE"
  java -version 2>&1 | head -n 1 | sed 's/^/[java] /' >&2
}
