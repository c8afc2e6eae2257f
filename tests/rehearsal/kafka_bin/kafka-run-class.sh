#!/usr/bin/env bash
# kafka-run-class.sh CLASS [ARGS...]: runs a main class of this distribution in the foreground,
# reading the environment Apache's launcher reads. Part of a test assembly (see ../README).
#   JAVA_HOME                  the JVM to use (else `java` on PATH)
#   CLASSPATH                  extra entries, put before libs/*.jar
#   KAFKA_HEAP_OPTS            default -Xmx256M
#   KAFKA_JVM_PERFORMANCE_OPTS default: G1 tuned for short pauses
#   KAFKA_LOG4J_OPTS           default: tools logging (warnings on stderr); set: LOG_DIR is created
#   LOG_DIR                    default <dist>/logs, passed as -Dkafka.logs.dir
#   KAFKA_OPTS                 anything else for the JVM
set -euo pipefail

base=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/log4j-opts.sh
. "$base/bin/log4j-opts.sh"

fail() { echo "$0: $*" >&2; exit 1; }

(($#)) || fail "USAGE: $0 classname [opts]"
# Apache's -daemon/-name/-loggc detach and log on their own; here systemd (or the caller) supervises.
[[ $1 != -* ]] || fail "$1 is not supported by this test assembly: it runs in the foreground only"

if [[ -n ${JAVA_HOME:-} ]]; then
  java=$JAVA_HOME/bin/java
else
  java=$(command -v java) || fail "no java: set JAVA_HOME or put java on PATH (Debian: apt-get install openjdk-17-jre-headless)"
fi
[[ -x $java ]] || fail "$java is not an executable java (check JAVA_HOME)"

shopt -s nullglob
jars=("$base"/libs/*.jar)
shopt -u nullglob
((${#jars[@]})) || fail "no jars in $base/libs"
classpath=$(IFS=:; echo "${jars[*]}")

LOG_DIR=${LOG_DIR:-$base/logs}
if [[ -z ${KAFKA_LOG4J_OPTS:-} ]]; then
  KAFKA_LOG4J_OPTS=$(log4j_opts "$base" tools-)
else
  # A server (its start script chose the logging): like Apache, make sure its log directory exists.
  mkdir -p "$LOG_DIR"
fi

# Options are whitespace-separated words, as in Apache's scripts, but never glob-expanded here.
read -r -a heap_opts <<<"${KAFKA_HEAP_OPTS:--Xmx256M}"
read -r -a performance_opts <<<"${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
read -r -a log4j_opts <<<"$KAFKA_LOG4J_OPTS"
read -r -a extra_opts <<<"${KAFKA_OPTS:-}"

exec "$java" "${heap_opts[@]}" "${performance_opts[@]}" "-Dkafka.logs.dir=$LOG_DIR" "${log4j_opts[@]}" \
  -cp "${CLASSPATH:+$CLASSPATH:}$classpath" "${extra_opts[@]}" "$@"
