# shellcheck shell=bash
# Stage "zookeeper": runs before "kafka"; ZooKeeper ships inside the Kafka release.
: "${ZOOKEEPER_CONFIG:?}" "${ZOOKEEPER_DATA:?}" "${ZOOKEEPER_PORT:?}" "${SERVICE_INPUTS:?}" "${KAFKA_LOGS:?}"

stage_main() {
  ensure_kafka_release
  ensure_dir "$ZOOKEEPER_DATA" kafka:kafka
  ensure_dir "$KAFKA_LOGS" kafka:kafka
  # shellcheck disable=SC2086 # plain paths rendered by the stage
  ensure_service zookeeper.service $SERVICE_INPUTS
  wait_for_port 127.0.0.1 "$ZOOKEEPER_PORT" 60 zookeeper
}
