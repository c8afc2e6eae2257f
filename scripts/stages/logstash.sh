# shellcheck shell=bash
# Stage "logstash": sourced by apply.sh (strict mode, lib.sh and stage.env loaded).
: "${LOGSTASH_VERSION:?}" "${LOGSTASH_URL:?}" "${LOGSTASH_HOME:?}" "${LOGSTASH_SETTINGS:?}" "${LOGSTASH_RELEASE_DIR:?}"
: "${LOGSTASH_DATA:?}" "${LOGSTASH_LOGS:?}" "${DOWNLOAD_CACHE:?}"
: "${ELASTIC_KEY_FINGERPRINT:?}" "${ELASTIC_KEY_URL:?}" "${GNUPG_PACKAGE:?}" "${LOGSTASH_SHA512=}"

# download_signed URL DEST: no pinned SHA-512 for this release, so the tarball is trusted only once
# Elastic's signature over it, made by the key with the pinned fingerprint, checks out; a cached one
# is checked again before it is used. gpgv checks against a keyring file: no agent, no trust database.
download_signed() {
  local url=$1 dest=$2 work
  # On disk beside the cache: /tmp is a small tmpfs on some images.
  work=$(mktemp -d -p "$(dirname "$dest")")
  # A refused download leaves nothing behind: an unverified archive must not sit in the cache.
  signed_fail() { rm -rf "$work"; die "$1"; }
  curl -fsSL --retry 5 -o "$work/key" "$ELASTIC_KEY_URL" || signed_fail "cannot fetch Elastic's signing key from $ELASTIC_KEY_URL"
  export GNUPGHOME="$work/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --with-colons --show-keys "$work/key" 2>/dev/null | grep -qx "fpr:::::::::$ELASTIC_KEY_FINGERPRINT:" \
    || signed_fail "the key at $ELASTIC_KEY_URL is not Elastic's ($ELASTIC_KEY_FINGERPRINT)"
  gpg --batch --yes --dearmor --output "$work/keyring.gpg" "$work/key" 2>/dev/null || cp "$work/key" "$work/keyring.gpg"
  if [[ -f $dest && -f $dest.asc ]] && signed_by_pinned_key "$work/keyring.gpg" "$dest.asc" "$dest"; then
    rm -rf "$work"
    return 0
  fi
  log "downloading $url (verified by Elastic's signature)"
  curl -fsSL --retry 5 -o "$work/archive" "$url" || signed_fail "download failed: $url (check logstash.downloadUrl)"
  curl -fsSL --retry 5 -o "$work/archive.asc" "$url.asc" || signed_fail "no signature beside $url"
  signed_by_pinned_key "$work/keyring.gpg" "$work/archive.asc" "$work/archive" \
    || signed_fail "Elastic's signature does not match $url; nothing was installed"
  mv "$work/archive.asc" "$dest.asc"
  mv "$work/archive" "$dest"
  rm -rf "$work"
}

# signed_by_pinned_key KEYRING SIG FILE: a good signature made by the pinned key itself (its
# fingerprint, or its primary key's, in gpgv's VALIDSIG line), not by whatever other key the
# fetched key file held.
signed_by_pinned_key() {
  gpgv --keyring "$1" --status-fd 1 "$2" "$3" 2>/dev/null \
    | awk -v fpr="$ELASTIC_KEY_FINGERPRINT" '$2 == "VALIDSIG" && ($3 == fpr || $12 == fpr) { ok = 1 } END { exit !ok }'
}

stage_main() {
  local archive="$DOWNLOAD_CACHE/${LOGSTASH_URL##*/}"
  local dir=$LOGSTASH_RELEASE_DIR
  mkdir -p "$DOWNLOAD_CACHE"
  if [[ ! -f $dir/.unpacked ]]; then
    if [[ -n $LOGSTASH_SHA512 ]]; then
      download_verified "$LOGSTASH_URL" "$LOGSTASH_SHA512" "$archive"
    else
      ensure_packages "$GNUPG_PACKAGE"
      download_signed "$LOGSTASH_URL" "$archive"
    fi
    unpack_once "$archive" "$dir"
  fi
  ensure_link "$dir" "$LOGSTASH_HOME"

  ensure_user logstash "$LOGSTASH_DATA"
  ensure_dir "$LOGSTASH_DATA" logstash:logstash
  ensure_dir "$LOGSTASH_LOGS" logstash:logstash
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
