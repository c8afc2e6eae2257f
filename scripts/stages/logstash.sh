# shellcheck shell=bash
# Stage "logstash": sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
: "${LOGSTASH_VERSION:?}" "${LOGSTASH_URL:?}" "${LOGSTASH_HOME:?}" "${LOGSTASH_SETTINGS:?}"
: "${ELASTIC_KEY_FINGERPRINT:?}" "${ELASTIC_KEY_URL:?}" "${LOGSTASH_SHA512=}"

# The SHA-512 of the tarball: pinned if we have it, else the one published beside it, trusted
# only once Elastic's signature (from the key with the pinned fingerprint) proves the tarball.
logstash_sha512() {
  if [[ -n $LOGSTASH_SHA512 ]]; then
    echo "$LOGSTASH_SHA512"
    return
  fi
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: work is local
  trap "rm -rf '$work'" RETURN
  curl -fsSL --retry 5 -o "$work/key" "$ELASTIC_KEY_URL" || die "cannot fetch Elastic's signing key from $ELASTIC_KEY_URL"
  curl -fsSL --retry 5 -o "$work/archive" "$LOGSTASH_URL" || die "download failed: $LOGSTASH_URL"
  curl -fsSL --retry 5 -o "$work/archive.asc" "$LOGSTASH_URL.asc" || die "no signature beside $LOGSTASH_URL"
  export GNUPGHOME="$work/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --import "$work/key" 2>/dev/null
  gpg --batch --with-colons --fingerprint | grep -qx "fpr:::::::::$ELASTIC_KEY_FINGERPRINT:" \
    || die "the key at $ELASTIC_KEY_URL is not Elastic's ($ELASTIC_KEY_FINGERPRINT)"
  gpg --batch --quiet --verify "$work/archive.asc" "$work/archive" 2>/dev/null \
    || die "Elastic's signature does not match $LOGSTASH_URL; nothing was installed"
  sha512sum "$work/archive" | cut -d' ' -f1
}

stage_main() {
  local archive="/var/cache/kafka-pipeline/${LOGSTASH_URL##*/}"
  local dir="/opt/logstash-$LOGSTASH_VERSION"
  mkdir -p /var/cache/kafka-pipeline
  if [[ ! -f $dir/.unpacked ]]; then
    ensure_packages gnupg2-minimal
    download_verified "$LOGSTASH_URL" "$(logstash_sha512)" "$archive"
    unpack_once "$archive" "$dir"
  fi
  ensure_link "$dir" "$LOGSTASH_HOME"

  ensure_user logstash /var/lib/logstash
  ensure_dir /var/lib/logstash logstash:logstash
  ensure_dir /var/log/logstash logstash:logstash
  ensure_dir "$LOGSTASH_SETTINGS/conf.d" root:logstash 0750
  # With --path.settings, Logstash also reads jvm.options and log4j2.properties from there.
  local f
  for f in jvm.options log4j2.properties; do
    [[ -f $LOGSTASH_SETTINGS/$f ]] || install -m 0644 "$LOGSTASH_HOME/config/$f" "$LOGSTASH_SETTINGS/$f"
  done
  systemctl daemon-reload
  systemctl enable --quiet logstash.service
  "$LOGSTASH_HOME/bin/logstash" --version 2>/dev/null | head -n 1 | sed 's/^/[logstash] /' >&2 || true
}
