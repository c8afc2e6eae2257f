# shellcheck shell=bash
# Stage "topics": one kafka-topics call per line of $TOPIC_ARGS; --if-not-exists keeps re-runs quiet.
: "${TOPIC_ARGS:?}"

stage_main() {
  local line
  while read -r line; do
    [[ -n $line ]] || continue
    # shellcheck disable=SC2086 # each line is plain words rendered by the stage
    /opt/kafka/bin/kafka-topics.sh $line
  done <"$TOPIC_ARGS"
  log "topics now on the broker: $(/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$(awk '{print $2; exit}' "$TOPIC_ARGS")" --list | tr '\n' ' ')"
}
