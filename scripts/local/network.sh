#!/usr/bin/env bash
# The local platform's network: a bridge with the hosts' gateway address, a caching apt proxy on
# it (apt-cacher-ng), and, where iptables exists, NAT so hosts reach what this machine reaches,
# as a VPC's hosts reach the internet through its gateway.
#   network.sh up|down|status, with BRIDGE BRIDGE_PREFIX GATEWAY PREFIX SUBNET STATE_DIR PROXY_PORT
#   APT_CACHE from the environment.
set -euo pipefail

main() {
  : "${BRIDGE:?}" "${BRIDGE_PREFIX:?}" "${GATEWAY:?}" "${PREFIX:?}" "${SUBNET:?}" "${STATE_DIR:?}" "${PROXY_PORT:?}" "${APT_CACHE:?}"
  case ${1:-} in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: network.sh up|down|status" >&2; exit 2 ;;
  esac
}

up() {
  ensure_tool systemd-nspawn systemd-container
  ensure_tool apt-cacher-ng apt-cacher-ng
  mkdir -p "$STATE_DIR" "$APT_CACHE"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$GATEWAY/$PREFIX" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ensure_proxy
  ensure_nat
  status
}

down() {
  stop_proxy
  ip link del "$BRIDGE" 2>/dev/null || true
  remove_nat
  rm -rf "$STATE_DIR"
}

# ensure_tool COMMAND PACKAGE: what the local platform needs on this machine, from apt when missing.
ensure_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "the local platform needs $1 (package $2): install it" >&2; exit 1; }
  echo "installing $2 (the local platform needs $1)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  # A package's own service (apt-cacher-ng listens on every interface) is not what we installed it for.
  if [[ -d /run/systemd/system ]] && systemctl list-unit-files "$2.service" >/dev/null 2>&1; then
    systemctl disable --now "$2.service" >/dev/null 2>&1 || true
  fi
}

status() {
  local bridge=false proxy=false nat=false
  ip -br addr show "$BRIDGE" 2>/dev/null | grep -qF "$GATEWAY/$PREFIX" && bridge=true
  proxy_running && proxy=true
  [[ -f $STATE_DIR/nat ]] && nat=true
  printf '{"bridge": %s, "proxy": %s, "nat": %s}\n' "$bridge" "$proxy" "$nat"
}

# apt-cacher-ng bound to the bridge address only: every host's packages come through it, and a
# package fetched once is served from $APT_CACHE to every later host and stack.
ensure_proxy() {
  proxy_running && return 0
  mkdir -p "$STATE_DIR/proxy"
  cat >"$STATE_DIR/proxy/acng.conf" <<CONF
CacheDir: $APT_CACHE
LogDir: $STATE_DIR/proxy
PidFile: $STATE_DIR/proxy/pid
SocketPath: $STATE_DIR/proxy/socket
Port: $PROXY_PORT
BindAddress: $GATEWAY
ExThreshold: 4
CONF
  # Its own config folder only: the package's /etc/apt-cacher-ng may remap mirrors this
  # machine cannot resolve.
  apt-cacher-ng -c "$STATE_DIR/proxy" ForeGround=0 >"$STATE_DIR/proxy/start.log" 2>&1 \
    || { cat "$STATE_DIR/proxy/start.log" >&2; exit 1; }
  local i
  for ((i = 0; i < 50; i++)); do
    (exec 3<>"/dev/tcp/$GATEWAY/$PROXY_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "apt-cacher-ng did not listen on $GATEWAY:$PROXY_PORT; see $STATE_DIR/proxy" >&2
  exit 1
}

proxy_running() {
  [[ -s $STATE_DIR/proxy/pid ]] && kill -0 "$(cat "$STATE_DIR/proxy/pid")" 2>/dev/null
}

stop_proxy() {
  proxy_running || return 0
  local pid i
  pid=$(cat "$STATE_DIR/proxy/pid")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# NAT only where iptables exists; each rule carries our bridge name as its comment, so down
# removes exactly ours. Forwarding is switched on only if it was off, and restored by down.
ensure_nat() {
  command -v iptables >/dev/null 2>&1 || return 0
  [[ -f $STATE_DIR/nat ]] && return 0
  if [[ $(cat /proc/sys/net/ipv4/ip_forward) == 0 ]]; then
    echo 1 >/proc/sys/net/ipv4/ip_forward
    echo "restore-forwarding" >"$STATE_DIR/nat.forwarding"
  fi
  iptables -t nat -A POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE -m comment --comment "$BRIDGE"
  iptables -A FORWARD -i "$BRIDGE" -j ACCEPT -m comment --comment "$BRIDGE"
  iptables -A FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT -m comment --comment "$BRIDGE"
  touch "$STATE_DIR/nat"
}

remove_nat() {
  [[ -f $STATE_DIR/nat ]] || return 0
  iptables -t nat -D POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE -m comment --comment "$BRIDGE" 2>/dev/null || true
  iptables -D FORWARD -i "$BRIDGE" -j ACCEPT -m comment --comment "$BRIDGE" 2>/dev/null || true
  iptables -D FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT -m comment --comment "$BRIDGE" 2>/dev/null || true
  # The last of our networks to go switches forwarding off again, if the first switched it on.
  if [[ -f $STATE_DIR/nat.forwarding ]] && ! ip -br link show type bridge | grep -q "^$BRIDGE_PREFIX"; then
    echo 0 >/proc/sys/net/ipv4/ip_forward
  fi
}

main "$@"
