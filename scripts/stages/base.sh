# shellcheck shell=bash
# Stage "base": sourced by apply.sh, which has set -euo pipefail and loaded lib.sh and stage.env.
: "${TTL_UNIT:?}" "${TTL_ENABLED:?}" "${HOST_ROLE:?}"

stage_main() {
  if command -v cloud-init >/dev/null 2>&1; then
    log "waiting for cloud-init to finish"
    cloud-init status --wait >/dev/null || log "cloud-init reported a problem; continuing"
  fi
  ensure_packages tar gzip
  hostnamectl set-hostname "kafka-pipeline-$HOST_ROLE" 2>/dev/null || true
  systemctl daemon-reload
  if [[ $TTL_ENABLED == 1 ]]; then
    systemctl enable --quiet "$TTL_UNIT.timer"
    # Restart so a changed TTL counts from boot with the new value.
    if changed "/etc/systemd/system/$TTL_UNIT.timer" || ! systemctl is-active --quiet "$TTL_UNIT.timer"; then
      systemctl restart "$TTL_UNIT.timer"
    fi
  else
    systemctl disable --now --quiet "$TTL_UNIT.timer" 2>/dev/null || true
  fi
}
