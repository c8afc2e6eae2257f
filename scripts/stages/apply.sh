#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Applies one stage on this host: places the stage's files where they belong (only those that
# differ), then runs the stage's script. Run as root by the deployment; safe to run again.
set -euo pipefail

main() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  # One stage at a time per host: package managers and systemd do not like company.
  exec 9>/var/lock/kafka-pipeline.lock
  flock 9

  # shellcheck source=lib.sh
  . "$here/lib.sh"
  set -a
  # shellcheck disable=SC1091
  . "$here/stage.env"
  set +a

  CHANGED_LIST=$(mktemp)
  trap 'rm -f "$CHANGED_LIST"' EXIT
  export CHANGED_LIST
  local began
  began=$(date +%s.%N)
  place_files "$here"

  # shellcheck disable=SC1091
  . "$here/stage.sh"
  stage_main
  record_duration "$began"
  log "done"
}

# One line per finished stage run in $STAGE_LOG (stage, start and end as epoch seconds), for
# whoever asks how long a deployment spent where.
record_duration() {
  mkdir -p "$(dirname "$STAGE_LOG")"
  printf '%s %s %s\n' "$STAGE_NAME" "$1" "$(date +%s.%N)" >>"$STAGE_LOG"
}

# place_files DIR: install each manifest entry (mode owner source destination) if it differs.
place_files() {
  local dir=$1 mode owner src dest
  while read -r mode owner src dest; do
    [[ -n $mode ]] || continue
    if [[ -f $dest ]] && cmp -s "$dir/$src" "$dest" \
      && [[ $(stat -c '%a %U' "$dest") == "${mode#0} ${owner%%:*}" ]]; then
      continue
    fi
    install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$dir/$src" "$dest"
    echo "$dest" >>"$CHANGED_LIST"
    log "placed $dest"
  done <"$dir/manifest"
}

main "$@"
