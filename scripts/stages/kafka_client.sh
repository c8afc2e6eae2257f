# shellcheck shell=bash
# Stage "kafka_client": Kafka's tools on a pipeline host (the pinned release, no service) and the
# administrator's client properties from stdin (KAFKA_ADMIN_JAAS<TAB>base64), root-only, replaced
# only when they differ. Over TLS to the JVM's own CAs, which sign Amazon MSK's certificates.
: "${ADMIN_CONFIG:?}" "${SASL_MECHANISM:?}"

write_admin_config() {
  local tmp
  install -d -m 0755 "$(dirname "$ADMIN_CONFIG")"
  tmp=$(secret_tmp "$ADMIN_CONFIG" 0600 root:root)
  printf 'security.protocol=SASL_SSL\nsasl.mechanism=%s\nsasl.jaas.config=' "$SASL_MECHANISM" >"$tmp"
  if ! secret_from_stdin KAFKA_ADMIN_JAAS "$tmp"; then
    rm -f "$tmp"
    die "the administrator's Kafka login did not arrive on stdin"
  fi
  printf '\n' >>"$tmp"
  secret_commit "$tmp" "$ADMIN_CONFIG" "the administrator's Kafka login"
}

stage_main() {
  ensure_kafka_release
  write_admin_config
  log "Kafka's tools in $KAFKA_HOME, logged in through $ADMIN_CONFIG"
}
