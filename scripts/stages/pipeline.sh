# shellcheck shell=bash
# The "source" and "sink" stages' script (pipeline_files.SCRIPT): sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
# Secrets arrive on stdin as NAME<TAB>base64 lines and go to a root-only environment file.
: "${PIPELINE_CONFIG:?}" "${LOGSTASH_HOME:?}" "${SECRETS_FILE:?}" "${SECRET_COUNT:?}" "${PIPELINE_PLUGINS=}"
: "${SERVICE_INPUTS:?}" "${CHECK_JAVA_OPTS:?}" "${LOGSTASH_SETTINGS:?}" "${LAST_GOOD_CONFIG:?}"
: "${KAFKA_JAAS_FILE:?}" "${KAFKA_JAAS_WANTED:?}"

# The last pipeline Logstash accepted, put back over PIPELINE_CONFIG; fails when there is none.
restore_last_good() {
  [[ -f $LAST_GOOD_CONFIG ]] || return 1
  # Stops the stage if it cannot (inside `if`, errexit would not).
  install -m 0640 -o root -g logstash "$LAST_GOOD_CONFIG" "$PIPELINE_CONFIG" || die "could not put $LAST_GOOD_CONFIG back"
}

write_secrets() {
  local tmp name b64 value got=0
  tmp=$(secret_tmp "$SECRETS_FILE" 0600 root:root)
  while IFS=$'\t' read -r name b64; do
    [[ -n $name ]] || continue
    got=$((got + 1))
    value=$(printf '%s' "$b64" | base64 -d)
    export "$name=$value"  # for check_config; exported, never on a command line
    # systemd EnvironmentFile syntax: double quotes, backslash and quote escaped.
    value=${value//\\/\\\\}
    value=${value//\"/\\\"}
    printf '%s="%s"\n' "$name" "$value" >>"$tmp"
  done
  # A run without its secrets (by hand, stdin empty) must not empty the running pipeline's file.
  if ((got != SECRET_COUNT)); then
    rm -f "$tmp"
    # ...nor leave a pipeline file that was never checked where a restart would run it.
    restore_last_good || true
    die "expected $SECRET_COUNT secret(s) on stdin, got $got: the engine sends them (make up); by hand, feed NAME<TAB>base64 lines"
  fi
  secret_commit "$tmp" "$SECRETS_FILE" "$SECRET_COUNT secret(s)"
}

# The producer's Kafka login as a JAAS file (its kafka output cannot take the line itself), from
# the secret write_secrets exported; root:logstash 0640, written only when it differs.
write_jaas() {
  local tmp
  if [[ $KAFKA_JAAS_WANTED != 1 ]]; then
    rm -f "$KAFKA_JAAS_FILE"
    return 0
  fi
  : "${KAFKA_SASL_JAAS_CONFIG:?the Kafka login of the producer did not arrive on stdin}"
  tmp=$(secret_tmp "$KAFKA_JAAS_FILE" 0640 root:logstash)
  printf 'KafkaClient {\n  %s\n};\n' "$KAFKA_SASL_JAAS_CONFIG" >"$tmp"
  secret_commit "$tmp" "$KAFKA_JAAS_FILE" "the producer's Kafka login"
}

ensure_plugins() {
  local plugin installed
  [[ -n $PIPELINE_PLUGINS ]] || return 0
  installed=$("$LOGSTASH_HOME/bin/logstash-plugin" list 2>/dev/null)
  for plugin in $PIPELINE_PLUGINS; do
    grep -qx "$plugin" <<<"$installed" && continue
    log "installing Logstash plugin $plugin"
    "$LOGSTASH_HOME/bin/logstash-plugin" install "$plugin"
  done
}

# Logstash's own check, with the secrets in its environment (runuser without a login shell keeps
# it), on a scratch data dir so it does not collide with the running service's lock, and with a
# small heap: beside the running service on a small host, a second full-size JVM would not fit.
# A refused pipeline is replaced on disk by the last one that passed, so a restart or a reboot
# runs what runs now rather than a pipeline Logstash cannot start.
check_config() {
  local scratch out
  scratch=$(mktemp -d)
  chown logstash:logstash "$scratch"
  if ! out=$(runuser -u logstash -- env LS_JAVA_OPTS="$CHECK_JAVA_OPTS" "$LOGSTASH_HOME/bin/logstash" \
               --path.settings "$LOGSTASH_SETTINGS" --path.data "$scratch" --path.config "$PIPELINE_CONFIG" \
               --config.test_and_exit 2>&1); then
    rm -rf "$scratch"
    printf '%s\n' "$out" | grep -v '^\s*$' | tail -n 20 >&2
    if restore_last_good; then
      die "Logstash refused the new pipeline (its message is above); the running pipeline and its file were left as they were"
    fi
    die "Logstash refused the pipeline (its message is above); Logstash was not started"
  fi
  rm -rf "$scratch"
  install -m 0640 -o root -g logstash "$PIPELINE_CONFIG" "$LAST_GOOD_CONFIG"
}

stage_main() {
  if ((SECRET_COUNT > 0)); then
    write_secrets
  else
    rm -f "$SECRETS_FILE"
  fi
  write_jaas
  ensure_plugins
  check_config
  # shellcheck disable=SC2086 # plain paths rendered by the stage
  ensure_service logstash.service $SERVICE_INPUTS
  log "pipeline running; follow it with: sudo journalctl -u logstash -f -o cat"
}
