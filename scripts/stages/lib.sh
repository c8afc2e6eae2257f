# shellcheck shell=bash
# Helpers shared by every stage script. Each acts only when the host differs from what is wanted,
# so running a stage again converges instead of repeating work.

log() { printf '[%s] %s\n' "${STAGE_NAME:-stage}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Files of this stage whose content or mode changed in this run (one path a line).
CHANGED_LIST=${CHANGED_LIST:-/dev/null}

changed() { grep -qxF "$1" "$CHANGED_LIST" 2>/dev/null; }

ensure_user() {
  local user=$1 home=$2
  id -u "$user" >/dev/null 2>&1 || useradd --system --home-dir "$home" --no-create-home --shell /sbin/nologin "$user"
}

ensure_dir() {
  local dir=$1 owner=$2 mode=${3:-0750}
  install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$dir"
}

# Secret files (a key, passwords): written to a temporary file beside FILE that has its final mode
# and owner before a byte is written, so no one else can read it even for a moment, and moved over
# FILE only when it differs, so an unchanged secret restarts nothing.
# secret_tmp FILE MODE OWNER: prints the temporary file's path.
secret_tmp() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX") || return 1
  # Explicit: errexit does not reach into the command substitution that calls this.
  if ! chmod "$2" "$tmp" || ! chown "$3" "$tmp"; then
    rm -f "$tmp"
    return 1
  fi
  printf '%s\n' "$tmp"
}

# secret_from_stdin NAME FILE: the value of stdin's NAME<TAB>base64 line, decoded and appended to
# FILE (a secret_tmp); fails when no such line came.
secret_from_stdin() {
  local name b64 found=1
  while IFS=$'\t' read -r name b64; do
    [[ $name == "$1" ]] || continue
    printf '%s' "$b64" | base64 -d >>"$2"
    found=0
  done
  return "$found"
}

# secret_commit TMP FILE WHAT: TMP replaces FILE if it differs (logged as WHAT, never the values).
secret_commit() {
  if cmp -s "$1" "$2"; then
    rm -f "$1"
  else
    mv "$1" "$2"
    log "updated $2 ($3; values not shown)"
  fi
}

# Package managers, one pair of functions per family; PKG_FAMILY (apt | dnf) comes from the OS data.
pkg_installed_apt() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }
pkg_install_apt() {
  # A fresh cloud image ships without package lists; refresh them when older than an hour.
  if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -60 -print -quit) ]]; then
    apt_get update -qq
  fi
  apt_get install -y -qq --no-install-recommends "$@" >/dev/null
}

# How long apt_get waits for apt runs the image starts at boot (apt-daily, unattended-upgrades).
APT_LOCK_WAIT=${APT_LOCK_WAIT:-600}

# apt_get ARGS...: apt-get that waits, up to APT_LOCK_WAIT seconds in all, for every lock apt takes.
# DPkg::Lock::Timeout covers dpkg's locks only; `apt-get update` fails at once on the lists lock,
# so a failure that is a held lock is retried, and any other failure is final.
apt_get() {
  local deadline=$((SECONDS + APT_LOCK_WAIT)) errors held said=""
  errors=$(mktemp)
  until DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$((deadline > SECONDS ? deadline - SECONDS : 0))"     "$@" 2>"$errors"; do
    held=$(grep -o 'Could not get lock [^ ]*' "$errors" | head -n 1 || true)
    if [[ -z $held ]]; then
      cat "$errors" >&2 && rm -f "$errors"
      die "apt-get $1 failed (above); the host's package sources or network need a look, then run the deployment again"
    fi
    if ((SECONDS >= deadline)); then
      cat "$errors" >&2 && rm -f "$errors"
      die "apt is still busy after ${APT_LOCK_WAIT}s (${held#Could not get }); see what holds it with \
sudo systemctl list-units 'apt*' 'unattended*', let it finish, then run the deployment again"
    fi
    [[ $said == "$held" ]] || log "waiting for another apt run to finish: ${held#Could not get }"
    said=$held
    sleep 2
  done
  cat "$errors" >&2 && rm -f "$errors"
}
pkg_installed_dnf() { rpm -q "$1" >/dev/null 2>&1; }
pkg_install_dnf() { dnf install -y -q "$@"; }

ensure_packages() {
  : "${PKG_FAMILY:?the stage must set PKG_FAMILY (apt or dnf)}"
  local missing=() pkg
  for pkg in "$@"; do "pkg_installed_$PKG_FAMILY" "$pkg" || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  "pkg_install_$PKG_FAMILY" "${missing[@]}"
}

# download_verified URL SHA512 DEST: fetch once, keep only if the SHA-512 matches the pinned one.
download_verified() {
  local url=$1 sha512=$2 dest=$3
  if [[ -f $dest ]] && sha512sum --status -c <<<"$sha512  $dest"; then
    return 0
  fi
  log "downloading $url"
  local part="$dest.part"
  curl --fail --silent --show-error --location --retry 5 --retry-delay 3 --connect-timeout 20 -o "$part" "$url" \
    || die "download failed: $url (check kafka.downloadUrl / logstash.downloadUrl and the host's outbound HTTPS)"
  if ! sha512sum --status -c <<<"$sha512  $part"; then
    rm -f "$part"
    die "checksum mismatch for $url: expected SHA-512 $sha512. The mirror served a different file; nothing was installed"
  fi
  mv "$part" "$dest"
}

# unpack_once ARCHIVE DIR: unpack into DIR unless a completed unpack is already there.
unpack_once() {
  local archive=$1 dir=$2
  [[ -f $dir/.unpacked ]] && return 0
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar -xzf "$archive" -C "$dir.tmp" --strip-components=1
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  touch "$dir/.unpacked"
}

ensure_link() {
  local target=$1 link=$2
  [[ $(readlink "$link" 2>/dev/null) == "$target" ]] || ln -sfn "$target" "$link"
}

# ensure_service UNIT INPUT...: enabled and running, and restarted exactly when anything it runs
# from (unit, environment, settings, pipeline, plugins, release) differs from what it was last
# started with, whichever stage placed it. $SERVICE_RECORDS keeps what each unit started with.
ensure_service() {
  local unit=$1; shift
  local record="$SERVICE_RECORDS/$unit" want
  want=$(fingerprint "$@")
  systemctl daemon-reload
  systemctl enable --quiet "$unit"
  if ! systemctl is-active --quiet "$unit"; then
    log "starting $unit"
    systemctl start "$unit"
  elif [[ $want != "$(cat "$record" 2>/dev/null)" ]]; then
    log "restarting $unit: what it runs from changed"
    systemctl restart "$unit"
  fi
  mkdir -p "$SERVICE_RECORDS"
  echo "$want" >"$record"
}

# fingerprint PATH...: one hash over each file's content and each link's or folder's target
# (a release is a folder named after its version, linked as its home).
fingerprint() {
  local path
  for path in "$@"; do
    if [[ -L $path || -d $path ]]; then
      printf '%s -> %s\n' "$path" "$(readlink -f "$path")"
    elif [[ -f $path ]]; then
      printf '%s %s\n' "$path" "$(sha256sum <"$path" | cut -d' ' -f1)"
    else
      printf '%s absent\n' "$path"
    fi
  done | sha256sum | cut -d' ' -f1
}

# wait_for_port HOST PORT SECONDS WHAT
wait_for_port() {
  local host=$1 port=$2 seconds=$3 what=$4 i
  for ((i = 0; i < seconds; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 1
  done
  die "$what did not listen on $host:$port within ${seconds}s; see: sudo journalctl -u $what --no-pager -n 50"
}

# ensure_kafka_release: the pinned Kafka release unpacked under /opt, linked as $KAFKA_HOME, and its user.
ensure_kafka_release() {
  : "${KAFKA_URL:?}" "${KAFKA_SHA512:?}" "${KAFKA_HOME:?}" "${KAFKA_RELEASE_DIR:?}" "${KAFKA_STATE:?}" "${DOWNLOAD_CACHE:?}"
  local archive="$DOWNLOAD_CACHE/${KAFKA_URL##*/}"
  mkdir -p "$DOWNLOAD_CACHE"
  download_verified "$KAFKA_URL" "$KAFKA_SHA512" "$archive"
  unpack_once "$archive" "$KAFKA_RELEASE_DIR"
  ensure_link "$KAFKA_RELEASE_DIR" "$KAFKA_HOME"
  ensure_user kafka "$KAFKA_STATE"
}
