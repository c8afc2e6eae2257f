# shellcheck shell=bash
# Stage "kafka": sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
: "${KAFKA_VERSION:?}" "${KAFKA_URL:?}" "${KAFKA_SHA512:?}" "${KAFKA_HOME:?}" "${KAFKA_CONFIG:?}"
: "${KAFKA_DATA:?}" "${KAFKA_LOGS:?}" "${KAFKA_MODE:?}" "${KAFKA_WAIT:?}" "${SERVICE_INPUTS:?}"
# With kafka.security sasl_ssl: where the broker's key and certificate go (they arrive on stdin).
: "${KAFKA_KEYSTORE_FILE=}"

# The broker's PEM key store from stdin (KAFKA_KEYSTORE<TAB>base64), readable by root and the kafka
# group only, replaced only when it differs (ensure_service then restarts the broker).
write_keystore() {
  local tmp
  [[ -n $KAFKA_KEYSTORE_FILE ]] || return 0
  install -d -m 0755 "$(dirname "$KAFKA_KEYSTORE_FILE")"
  tmp=$(secret_tmp "$KAFKA_KEYSTORE_FILE" 0640 root:kafka)
  if ! secret_from_stdin KAFKA_KEYSTORE "$tmp"; then
    rm -f "$tmp"
    die "the broker's key did not arrive on stdin"
  fi
  secret_commit "$tmp" "$KAFKA_KEYSTORE_FILE" "the broker's key and certificate"
}

stage_main() {
  ensure_kafka_release
  ensure_dir "$KAFKA_STATE" kafka:kafka
  ensure_dir "$KAFKA_DATA" kafka:kafka
  ensure_dir "$KAFKA_LOGS" kafka:kafka
  write_keystore

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
