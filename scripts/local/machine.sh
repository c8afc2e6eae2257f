#!/usr/bin/env bash
# A local host: a systemd-nspawn machine booted from a copy of the platform's image, with its own
# machine-id, SSH host keys, hostname, static address on the bridge, default user and key.
#   machine.sh create|start|stop|delete|status|configure
# Environment: MACHINE MACHINE_DIR CGROUP HOST_NAME IMAGE_DIR BRIDGE ADDRESS PREFIX GATEWAY USER_NAME
#   PUBLIC_KEY MEMORY_MIB PROXY_URL NAMESERVER (empty: no DNS, the host reaches only the bridge).
set -euo pipefail

ROOT=
# Seconds a host gets to shut down in order before its processes are killed.
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
main() {
  : "${MACHINE:?}" "${MACHINE_DIR:?}" "${CGROUP:?}"
  ROOT=$MACHINE_DIR/rootfs
  case ${1:-} in
    create) create; start_or_remove ;;
    start) start ;;
    stop) stop ;;
    delete) stop; rm -rf "$MACHINE_DIR" ;;
    status) status ;;
    configure) configure ;;
    launch) launch ;;
    *) echo "usage: machine.sh create|start|stop|delete|status|configure" >&2; exit 2 ;;
  esac
}

create() {
  : "${IMAGE_DIR:?}" "${HOST_NAME:?}" "${ADDRESS:?}" "${PREFIX:?}" "${GATEWAY:?}" "${USER_NAME:?}" "${PROXY_URL:?}"
  [[ -f $IMAGE_DIR/.complete ]] || { echo "image $IMAGE_DIR is missing or incomplete" >&2; exit 1; }
  if [[ -f $MACHINE_DIR/.complete ]]; then
    return 0
  fi
  rm -rf "$MACHINE_DIR"
  mkdir -p "$MACHINE_DIR"
  cp -a --reflink=auto "$IMAGE_DIR" "$ROOT"
  rm -f "$ROOT/.complete"
  # Identity: new per host, as a cloud image gets at first boot.
  systemd-machine-id-setup --root="$ROOT" >/dev/null 2>&1
  ln -sf /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
  ssh-keygen -A -f "$ROOT" >/dev/null
  echo "$HOST_NAME" >"$ROOT/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' "$HOST_NAME" >"$ROOT/etc/hosts"
  printf '[Match]\nName=host0\n\n[Network]\nAddress=%s/%s\nGateway=%s\n' "$ADDRESS" "$PREFIX" "$GATEWAY" \
    >"$ROOT/etc/systemd/network/10-host0.network"
  if [[ -n ${NAMESERVER:-} ]]; then
    echo "nameserver $NAMESERVER" >"$ROOT/etc/resolv.conf"
  else
    echo "# no DNS: this host reaches only its bridge's services" >"$ROOT/etc/resolv.conf"
  fi
  printf 'Acquire::http::Proxy "%s";\n' "$PROXY_URL" >"$ROOT/etc/apt/apt.conf.d/01proxy"
  operator_sshd
  chroot "$ROOT" useradd --create-home --shell /bin/bash --groups sudo "$USER_NAME"
  printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$USER_NAME" >"$ROOT/etc/sudoers.d/90-cloud-user"
  chmod 0440 "$ROOT/etc/sudoers.d/90-cloud-user"
  echo "$ADDRESS" >"$MACHINE_DIR/address"
  configure
  touch "$MACHINE_DIR/.complete"
}

# This machine (the bridge's gateway) is the only caller these hosts have while they boot, and the
# Pulumi engine dials them several at a time. OpenSSH 9.8 and later shut an address out for
# minutes after failed or abandoned logins (PerSourcePenalties): one early refusal turned every
# following dial into "connection reset" and failed every stage. The gateway is exempt where sshd
# knows the option (Debian 12's 9.2 does not, and refuses unknown keywords); everyone else keeps
# the penalties. VERBOSE logs the key each login offers, so a refused login says why.
operator_sshd() {
  local conf=$ROOT/etc/ssh/sshd_config.d/50-operator.conf
  echo "LogLevel VERBOSE" >"$conf"
  if chroot "$ROOT" /usr/sbin/sshd -t -o "PerSourcePenaltyExemptList=$GATEWAY" 2>/dev/null; then
    echo "PerSourcePenaltyExemptList $GATEWAY" >>"$conf"
  fi
}

# A machine that does not come up is stopped and removed: the engine records no resource for a
# failed create, so nothing would ever stop it (its processes, link and cgroups would outlive the
# stack's destroy).
start_or_remove() {
  if ! (start); then
    stop
    rm -rf "$MACHINE_DIR"
    exit 1
  fi
}

# What may change on a running host: its key and its memory limit.
configure() {
  : "${USER_NAME:?}" "${PUBLIC_KEY:?}" "${MEMORY_MIB:?}"
  local home=$ROOT/home/$USER_NAME
  install -d -m 0700 "$home/.ssh"
  printf '%s\n' "$PUBLIC_KEY" >"$home/.ssh/authorized_keys"
  chmod 0600 "$home/.ssh/authorized_keys"
  chroot "$ROOT" chown -R "$USER_NAME:$USER_NAME" "/home/$USER_NAME/.ssh"
  echo "$MEMORY_MIB" >"$MACHINE_DIR/memory_mib"
  apply_memory_limit
}

apply_memory_limit() {
  local limit=$(($(cat "$MACHINE_DIR/memory_mib") * 1024 * 1024)) dir
  for dir in $(cgroup_dirs); do
    if [[ -f $dir/memory.limit_in_bytes ]]; then
      echo "$limit" >"$dir/memory.limit_in_bytes"
    elif [[ -f $dir/memory.max ]]; then
      echo "$limit" >"$dir/memory.max"
    fi
  done
}

running() {
  [[ -s $MACHINE_DIR/launcher.pid ]] && kill -0 "$(cat "$MACHINE_DIR/launcher.pid")" 2>/dev/null
}

start() {
  [[ -f $MACHINE_DIR/.complete ]] || { echo "machine $MACHINE does not exist" >&2; exit 1; }
  if ! running; then
    rm -f "$MACHINE_DIR/stopping" "$MACHINE_DIR/launcher.pid" "$MACHINE_DIR/launched"
    if [[ -d /run/systemd/system ]]; then
      # Where systemd runs this machine, it gives the launcher a delegated cgroup and the limit.
      systemd-run --quiet --collect --unit="$CGROUP" -p Delegate=yes \
        -p MemoryMax="$(cat "$MACHINE_DIR/memory_mib")M" -p StandardOutput="append:$MACHINE_DIR/console.log" \
        -p StandardError="append:$MACHINE_DIR/console.log" --setenv=SYSTEMD_RUN=1 \
        --setenv=MACHINE="$MACHINE" --setenv=MACHINE_DIR="$MACHINE_DIR" --setenv=BRIDGE="$BRIDGE" \
        --setenv=CGROUP="$CGROUP" \
        bash "${BASH_SOURCE[0]}" launch
    else
      # Detached from whoever asked (the Pulumi engine), with its own session and log.
      setsid -f bash "${BASH_SOURCE[0]}" launch </dev/null >>"$MACHINE_DIR/console.log" 2>&1
    fi
    wait_for_launcher
  fi
  wait_for_ssh
}

# The launcher is detached: until it has written its pid, the machine would look stopped. It
# marks its start for good (`launched`), since a boot that fails at once takes the pid away again.
wait_for_launcher() {
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -f $MACHINE_DIR/launched ]] && return 0
    sleep 0.05
  done
  tail -n 30 "$MACHINE_DIR/console.log" >&2
  echo "machine $MACHINE: its launcher did not start within 5s; console: $MACHINE_DIR/console.log" >&2
  exit 1
}

# Ready means a user can log in, not merely that sshd listens. sshd starts before
# systemd-user-sessions removes /run/nologin and refuses every login until then; OpenSSH 9.8 and
# later (Debian 13) charges each refusal, and each connection closed without logging in, to the
# caller's address (PerSourcePenalties). The engine's copies dial a booting host several at a
# time, so on a slow boot this machine's own address was shut out for minutes and every stage
# failed with "connection reset by peer". So the host is watched from outside, without connecting,
# and dialled once, when it is ready.
wait_for_ssh() {
  local address i
  address=$(cat "$MACHINE_DIR/address")
  for ((i = 0; i < 1200; i++)); do
    if sshd_listening && logins_allowed && (exec 3<>"/dev/tcp/$address/22") 2>/dev/null; then
      return 0
    fi
    running || { tail -n 30 "$MACHINE_DIR/console.log" >&2; echo "machine $MACHINE stopped while booting" >&2; exit 1; }
    sleep 0.1
  done
  tail -n 30 "$MACHINE_DIR/console.log" >&2
  echo "machine $MACHINE did not let users log in over SSH on $address within 120s; console: $MACHINE_DIR/console.log" >&2
  exit 1
}

# The host's init, seen from here: /proc/PID/root and /proc/PID/net are the host's own views.
host_init() {
  local launcher
  launcher=$(cat "$MACHINE_DIR/nspawn.pid" 2>/dev/null) || return 1
  pgrep -P "$launcher" 2>/dev/null | head -n 1
}

sshd_listening() {
  local init
  init=$(host_init) && [[ -n $init ]] || return 1
  # Port 22 (0016) in state LISTEN (0A), in the host's network namespace.
  awk '$4 == "0A" && $2 ~ /:0016$/ { found = 1 } END { exit !found }' \
    "/proc/$init/net/tcp" "/proc/$init/net/tcp6" 2>/dev/null
}

# sshd starts after sysinit.target, whose tmpfiles made /run/nologin: once it listens, the file's
# absence means the boot has let users in.
logins_allowed() {
  local init
  init=$(host_init) && [[ -n $init ]] || return 1
  [[ -d /proc/$init/root/run && ! -e /proc/$init/root/run/nologin ]]
}

# The launcher: its own cgroups (so each host's systemd manages only its own processes), then
# systemd-nspawn in a loop, because a reboot inside the host ends nspawn with 133.
launch() {
  echo $$ >"$MACHINE_DIR/launcher.pid"
  touch "$MACHINE_DIR/launched"
  local dir code
  for dir in $(cgroup_dirs); do
    mkdir -p "$dir"
    echo $$ >"$dir/cgroup.procs"
  done
  apply_memory_limit
  while true; do
    code=0
    # --register=no --keep-unit: this machine's PID 1 need not be systemd.
    systemd-nspawn --boot --directory="$ROOT" --machine="$MACHINE" --register=no --keep-unit \
      --network-bridge="$BRIDGE" --resolv-conf=off --timezone=off --console=read-only &
    echo $! >"$MACHINE_DIR/nspawn.pid"
    wait $! || code=$?
    echo "[launcher] systemd-nspawn exited with $code"
    [[ $code == 133 && ! -f $MACHINE_DIR/stopping ]] || break
  done
  rm -f "$MACHINE_DIR/launcher.pid" "$MACHINE_DIR/nspawn.pid"
}

stop() {
  [[ -d $MACHINE_DIR ]] || return 0
  if running; then
    touch "$MACHINE_DIR/stopping"
    # nspawn turns SIGTERM into an orderly shutdown of the host's systemd.
    kill -TERM "$(cat "$MACHINE_DIR/nspawn.pid")" 2>/dev/null || true
    local i
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do running || break; sleep 0.1; done
  fi
  # Whatever did not shut down in time goes as at a pulled plug: every process of the host's
  # cgroup, so no init or service outlives its machine.
  kill_cgroup
  remove_cgroups
  rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
  # nspawn's bridge port goes with the host's network namespace, but the kernel keeps a namespace
  # while its sockets still close towards peers already gone (Kafka and Logstash connections to
  # destroyed brokers: minutes). The port would outlive the machine, and block a start on it.
  ip link del "vb-$MACHINE" 2>/dev/null || true
}

kill_cgroup() {
  local dir pids i
  if [[ -d /run/systemd/system ]]; then
    systemctl kill --signal=KILL "$CGROUP.service" 2>/dev/null || true
    systemctl stop "$CGROUP.service" 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    pids=$(for dir in $(cgroup_dirs); do [[ -d $dir ]] && find "$dir" -name cgroup.procs -exec cat {} +; done | sort -u)
    [[ -n $pids ]] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  echo "processes of machine $MACHINE survived SIGKILL: $pids" >&2
  exit 1
}

remove_cgroups() {
  local dir
  for dir in $(cgroup_dirs); do
    [[ -d $dir ]] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# One cgroup per host in each hierarchy this machine mounts that matters to nspawn and memory
# (none to make where systemd runs the launcher: its unit is the cgroup).
cgroup_dirs() {
  local hierarchy
  [[ -n ${SYSTEMD_RUN:-} ]] && return 0
  for hierarchy in systemd unified memory; do
    [[ -d /sys/fs/cgroup/$hierarchy ]] && echo "/sys/fs/cgroup/$hierarchy/$CGROUP"
  done
}

status() {
  local exists=false state=false address=""
  [[ -f $MACHINE_DIR/.complete ]] && exists=true && address=$(cat "$MACHINE_DIR/address")
  running && state=true
  printf '{"exists": %s, "running": %s, "address": "%s"}\n' "$exists" "$state" "$address"
}

main "$@"
