# shellcheck shell=bash
# Stage "topics": once every broker serves clients, one kafka-topics call per line of $TOPIC_ARGS
# (--if-not-exists keeps re-runs quiet), then partitions added where $TOPIC_SIZES asks for more.
# $COMMAND_CONFIG, when set: the client properties the tools log in with (a queue we do not run).
: "${TOPIC_ARGS:?}" "${TOPIC_SIZES:?}" "${KAFKA_HOME:?}" "${BOOTSTRAP:?}" "${CLUSTER:?}" "${CLUSTER_TIMEOUT:?}"
: "${COMMAND_CONFIG=}"

stage_main() {
  local line broker name wanted current
  for broker in $CLUSTER; do
    wait_for_port "${broker%:*}" "${broker##*:}" "$CLUSTER_TIMEOUT" kafka
  done
  while read -r line; do
    [[ -n $line ]] || continue
    # shellcheck disable=SC2086 # each line is plain words rendered by the stage
    topics $line
  done <"$TOPIC_ARGS"
  while read -r name wanted; do
    [[ -n $name ]] || continue
    current=$(topics --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" \
      | grep -o 'PartitionCount: *[0-9]*' | grep -o '[0-9]*$')
    if ((current < wanted)); then
      log "topic $name: $current -> $wanted partitions"
      topics --bootstrap-server "$BOOTSTRAP" --alter --topic "$name" --partitions "$wanted"
    elif ((current > wanted)); then
      die "topic $name has $current partitions, the config asks for $wanted: Kafka cannot shrink a topic"
    fi
  done <"$TOPIC_SIZES"
  log "topics now on the broker: $(topics --bootstrap-server "$BOOTSTRAP" --list | tr '\n' ' ')"
}

topics() { "$KAFKA_HOME/bin/kafka-topics.sh" ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} "$@"; }
