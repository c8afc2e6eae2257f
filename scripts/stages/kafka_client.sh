# shellcheck shell=bash
# Stage "kafka_client": Kafka's tools on a pipeline host (the pinned release, no service) and the
# administrator's client properties from stdin (KAFKA_ADMIN_JAAS<TAB>base64), root-only, replaced
# only when they differ. Over TLS to the JVM's own CAs, which sign Amazon MSK's certificates.
: "${ADMIN_CONFIG:?}" "${SASL_MECHANISM:?}"

write_admin_config() {
  local name b64 tmp found=0
  install -d -m 0755 "$(dirname "$ADMIN_CONFIG")"
  tmp=$(secret_tmp "$ADMIN_CONFIG" 0600 root:root)
  while IFS=$'\t' read -r name b64; do
    [[ $name == KAFKA_ADMIN_JAAS ]] || continue
    {
      printf 'security.protocol=SASL_SSL\nsasl.mechanism=%s\n' "$SASL_MECHANISM"
      printf 'sasl.jaas.config=%s\n' "$(printf '%s' "$b64" | base64 -d)"
    } >"$tmp"
    found=1
  done
  if ((found == 0)); then
    rm -f "$tmp"
    die "the administrator's Kafka login did not arrive on stdin"
  fi
  secret_commit "$tmp" "$ADMIN_CONFIG" "the administrator's Kafka login"
}

stage_main() {
  ensure_kafka_release
  write_admin_config
  log "Kafka's tools in $KAFKA_HOME, logged in through $ADMIN_CONFIG"
}
