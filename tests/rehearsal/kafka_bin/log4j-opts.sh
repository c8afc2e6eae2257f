# shellcheck shell=bash
# Sourced by the launchers. log4j_opts DIST [PREFIX]: the JVM flag pointing this release's logging
# library at DIST/config/PREFIXlog4j2.properties (Kafka 4: log4j2) or PREFIXlog4j.properties
# (Kafka 3: reload4j); a distribution ships the files of its own release only.
log4j_opts() {
  local config=$1/config prefix=${2:-}
  if [[ -f $config/${prefix}log4j2.properties ]]; then
    echo "-Dlog4j2.configurationFile=$config/${prefix}log4j2.properties"
  elif [[ -f $config/${prefix}log4j.properties ]]; then
    echo "-Dlog4j.configuration=file:$config/${prefix}log4j.properties"
  else
    echo "no ${prefix}log4j configuration in $config" >&2
    return 1
  fi
}
