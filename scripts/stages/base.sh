# shellcheck shell=bash
# Stage "base": sourced by apply.sh, which has set -euo pipefail and loaded lib.sh and stage.env.
: "${TTL_UNIT:?}" "${TTL_TIMER:?}" "${TTL_ENABLED:?}" "${HOST_NAME:?}"

stage_main() {
  if command -v cloud-init >/dev/null 2>&1; then
    log "waiting for cloud-init to finish"
    cloud-init status --wait >/dev/null || log "cloud-init reported a problem; continuing"
  fi
  ensure_packages tar gzip
  if [[ $(hostname) != "$HOST_NAME" ]]; then
    hostnamectl set-hostname "$HOST_NAME" 2>/dev/null || log "could not set the hostname to $HOST_NAME; continuing"
  fi
  # sudo and Java resolve the host's own name; without an entry each lookup waits for DNS.
  grep -qE "^127\.0\.1\.1[[:space:]]+$HOST_NAME\$" /etc/hosts || echo "127.0.1.1 $HOST_NAME" >>/etc/hosts
  systemctl daemon-reload
  if [[ $TTL_ENABLED == 1 ]]; then
    systemctl enable --quiet "$TTL_UNIT.timer"
    # Restart so a changed TTL counts from boot with the new value.
    if changed "$TTL_TIMER" || ! systemctl is-active --quiet "$TTL_UNIT.timer"; then
      systemctl restart "$TTL_UNIT.timer"
    fi
  else
    systemctl disable --now --quiet "$TTL_UNIT.timer" 2>/dev/null || true
  fi
}
