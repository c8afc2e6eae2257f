# shellcheck shell=bash
# Stage "zookeeper": runs before "kafka"; ZooKeeper ships inside the Kafka release.
: "${ZOOKEEPER_CONFIG:?}" "${ZOOKEEPER_DATA:?}" "${ZOOKEEPER_PORT:?}"

stage_main() {
  ensure_kafka_release
  ensure_dir "$ZOOKEEPER_DATA" kafka:kafka
  ensure_dir /var/log/kafka kafka:kafka
  ensure_service zookeeper.service "$ZOOKEEPER_CONFIG" /etc/systemd/system/zookeeper.service
  wait_for_port 127.0.0.1 "$ZOOKEEPER_PORT" 60 zookeeper
}
