# shellcheck shell=bash
# Stage "topics": one kafka-topics call per line of $TOPIC_ARGS, once every broker serves clients;
# --if-not-exists keeps re-runs quiet.
: "${TOPIC_ARGS:?}" "${KAFKA_HOME:?}" "${BOOTSTRAP:?}" "${CLUSTER:?}" "${CLUSTER_TIMEOUT:?}"

stage_main() {
  local line broker
  for broker in $CLUSTER; do
    wait_for_port "${broker%:*}" "${broker##*:}" "$CLUSTER_TIMEOUT" kafka
  done
  while read -r line; do
    [[ -n $line ]] || continue
    # shellcheck disable=SC2086 # each line is plain words rendered by the stage
    "$KAFKA_HOME/bin/kafka-topics.sh" $line
  done <"$TOPIC_ARGS"
  log "topics now on the broker: $("$KAFKA_HOME/bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --list | tr '\n' ' ')"
}
