# shellcheck shell=bash
# Stage "kafka": sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
: "${KAFKA_VERSION:?}" "${KAFKA_URL:?}" "${KAFKA_SHA512:?}" "${KAFKA_HOME:?}" "${KAFKA_CONFIG:?}"
: "${KAFKA_DATA:?}" "${KAFKA_LOGS:?}" "${KAFKA_MODE:?}" "${KAFKA_WAIT:?}" "${SERVICE_INPUTS:?}"

stage_main() {
  ensure_kafka_release
  ensure_dir "$KAFKA_STATE" kafka:kafka
  ensure_dir "$KAFKA_DATA" kafka:kafka
  ensure_dir "$KAFKA_LOGS" kafka:kafka

  if [[ $KAFKA_MODE == kraft ]]; then
    # --ignore-formatted: storage formatted on an earlier run is kept as it is.
    # shellcheck disable=SC2086 # KAFKA_FORMAT_ARGS holds plain words rendered by the stage
    runuser -u kafka -- env LOG_DIR="$KAFKA_LOGS" "$KAFKA_HOME/bin/kafka-storage.sh" $KAFKA_FORMAT_ARGS >/dev/null
  fi

  # shellcheck disable=SC2086 # plain paths rendered by the stage
  ensure_service kafka.service $SERVICE_INPUTS
  wait_for_port "${KAFKA_WAIT%:*}" "${KAFKA_WAIT##*:}" 180 kafka
  log "Kafka $KAFKA_VERSION ($KAFKA_MODE) is listening on $KAFKA_WAIT"
}
