# shellcheck shell=bash
# Stage "logins" (kafka.security sasl_ssl): a SCRAM login per line of stdin (NAME<TAB>base64
# password) and the grants of $LOGIN_ACLS, made through the broker's loopback operator listener.
# $LOGIN_STATE remembers what was applied, so a re-run acts only on changes, and a login no longer
# wanted loses its password and its grants. Passwords go to Kafka in a root-only file, never as
# an argument.
# Stage "grants" runs it too, for a queue whose logins live elsewhere (Amazon MSK's, in Secrets
# Manager): LOGIN_PASSWORDS=0, the logins are the names in $LOGIN_ACLS, and the tools log in with
# $COMMAND_CONFIG.
: "${KAFKA_HOME:?}" "${BOOTSTRAP:?}" "${SCRAM_MECHANISM:?}" "${LOGIN_ACLS:?}" "${LOGIN_STATE:?}"
: "${LOGIN_PASSWORDS:?}" "${COMMAND_CONFIG=}"

configs() {
  "$KAFKA_HOME/bin/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} "$@"
}
acls() {
  "$KAFKA_HOME/bin/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} "$@"
}

# What the state remembers of a password: its SHA-256, enough to notice a change; the password is
# 192 bits of HMAC output, so its hash gives nothing away.
password_mark() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

ensure_password() {
  local name=$1 password=$2 mark file
  mark=$(password_mark "$password")
  if [[ -f $LOGIN_STATE/$name.password && $(cat "$LOGIN_STATE/$name.password") == "$mark" ]]; then
    return 0
  fi
  file=$(mktemp "$LOGIN_STATE/.scram.XXXXXX")
  printf '%s=password=%s\n' "$SCRAM_MECHANISM" "$password" >"$file"
  configs --alter --entity-type users --entity-name "$name" --add-config-file "$file" >/dev/null
  rm -f "$file"
  echo "$mark" >"$LOGIN_STATE/$name.password"
  log "login $name: password set"
}

# Grants as wanted now vs as last applied: add what is new, remove what is gone.
ensure_grants() {
  local name=$1 wanted=$2 applied=$LOGIN_STATE/$1.acls grant
  # A grant's words go unquoted to kafka-acls, and one may be the wildcard `*`: no globbing here.
  local -
  set -f
  [[ -f $applied ]] || : >"$applied"
  while read -r grant; do
    [[ -n $grant ]] || continue
    grep -qxF -- "$grant" "$applied" && continue
    # shellcheck disable=SC2086 # a grant is plain words rendered by the stage
    acls --add --allow-principal "User:$name" $grant >/dev/null
    log "login $name: granted $grant"
  done <<<"$wanted"
  while read -r grant; do
    [[ -n $grant ]] || continue
    grep -qxF -- "$grant" <<<"$wanted" && continue
    # shellcheck disable=SC2086
    acls --remove --force --allow-principal "User:$name" $grant >/dev/null
    log "login $name: revoked $grant"
  done <"$applied"
  printf '%s\n' "$wanted" | sed '/^$/d' >"$applied"
}

remove_login() {
  local name=$1
  ensure_grants "$name" ""
  if ((LOGIN_PASSWORDS)) && configs --describe --entity-type users --entity-name "$name" | grep -q "$SCRAM_MECHANISM"; then
    configs --alter --entity-type users --entity-name "$name" --delete-config "$SCRAM_MECHANISM" >/dev/null
  fi
  rm -f "$LOGIN_STATE/$name.password" "$LOGIN_STATE/$name.acls"
  log "login $name: removed"
}

grants_of() { awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print }' "$LOGIN_ACLS"; }

stage_main() {
  local name b64 old first=${BOOTSTRAP%%,*}
  local -a names=()
  install -d -m 0700 "$LOGIN_STATE"
  wait_for_port "${first%:*}" "${first##*:}" 300 kafka
  if ((LOGIN_PASSWORDS)); then
    while IFS=$'\t' read -r name b64; do
      [[ -n $name ]] || continue
      names+=("$name")
      ensure_password "$name" "$(printf '%s' "$b64" | base64 -d)"
      ensure_grants "$name" "$(grants_of "$name")"
    done
  else
    # In the file's order: the administrator's own grants come first, while it may still make them.
    while read -r name; do
      names+=("$name")
      ensure_grants "$name" "$(grants_of "$name")"
    done < <(awk '!seen[$1]++ { print $1 }' "$LOGIN_ACLS")
  fi
  for old in "$LOGIN_STATE"/*.acls; do
    [[ -e $old ]] || continue
    name=$(basename "$old" .acls)
    [[ " ${names[*]} " == *" $name "* ]] || remove_login "$name"
  done
}
