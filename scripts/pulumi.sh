#!/usr/bin/env bash
# Runs Pulumi for this project with everything it needs set up on first use: the venv, the Pulumi
# CLI, a local state backend (no Pulumi Cloud account) and a passphrase kept out of git.
#   scripts/pulumi.sh up|preview|refresh|destroy|output|smoke|tunnel|status|rotate-logins [stack] [pulumi options...]
#   scripts/pulumi.sh <any pulumi command...>      e.g. scripts/pulumi.sh config set ttlHours 8
# The stack defaults to $STACK, else dev.
set -euo pipefail

OWN_BROKERS=ours         # kafka.provider's default, whose brokers the stack runs (components/settings)
PULUMI_VERSION=3.272.0   # the CLI of the same release as the pinned Python SDK (requirements.txt)

main() {
  local action=${1:?usage: scripts/pulumi.sh up|preview|refresh|destroy|output|smoke [stack] | <pulumi command...>}
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  ensure_venv
  ensure_cli
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/.pulumi-passphrase"
  export PULUMI_SKIP_UPDATE_CHECK=true
  mkdir -p .pulumi-state
  ensure_passphrase

  case $action in
    up | preview | refresh | destroy | output | smoke | tunnel | status | rotate-logins) ;;
    *)
      # Any other pulumi command, on the selected stack; its flag goes before any `--`, after
      # which every word is a value (`config set --path key -- -value`).
      local stack=${STACK:-dev} before=()
      pulumi stack select --create "$stack" >/dev/null
      while (($#)) && [[ $1 != -- ]]; do before+=("$1"); shift; done
      exec pulumi "${before[@]}" --stack "$stack" "$@"
      ;;
  esac
  local stack=${2:-${STACK:-dev}}
  shift $(($# >= 2 ? 2 : 1))
  case $action in
    up | preview) pulumi stack select --create "$stack" >/dev/null ;;
    *)
      # Reading a stack must never create one.
      if ! pulumi stack select "$stack" >/dev/null 2>&1; then
        echo "There is no stack '$stack' here yet. Deploy it with: make up STACK=$stack" >&2
        exit 1
      fi
      ;;
  esac
  case $action in
    up | preview | refresh | destroy) prepare "$action" "$stack" ;;
  esac
  case $action in
    # --refresh: hosts stopped and started since (the TTL guard) may have new addresses.
    up) pulumi up --yes --refresh --stack "$stack" "$@" && after_up "$stack" ;;
    rotate-logins) rotate_logins "$stack" "$@" ;;
    preview) pulumi preview --refresh --stack "$stack" "$@" ;;
    refresh) pulumi refresh --yes --stack "$stack" "$@" ;;
    destroy) pulumi destroy --yes --stack "$stack" "$@" && after_destroy "$stack" ;;
    output) outputs "$stack" ;;
    smoke) smoke "$stack" ;;
    tunnel) tunnel "$stack" ;;
    status)
      tunnels "$stack"
      .venv/bin/python scripts/status.py --stack "$stack" --known-hosts "$HOME/.ssh/kafka-pipeline-$stack.known_hosts" "$@"
      ;;
  esac
}

ensure_venv() {
  if [[ ! -x .venv/bin/python ]]; then
    echo "==> creating .venv" >&2
    python3 -m venv .venv
  fi
  # Refilled whenever requirements.txt changed since the venv was last filled (as make does).
  if ! cmp -s requirements.txt .venv/.requirements; then
    echo "==> installing the program's Python packages into .venv (a minute or two the first time)" >&2
    .venv/bin/pip install --quiet --progress-bar off -r requirements.txt
    cp requirements.txt .venv/.requirements
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

command_exists() { command -v "$1" >/dev/null 2>&1; }

ensure_cli() {
  export PATH="$PATH:$HOME/.pulumi/bin"
  command_exists pulumi && return 0
  echo "==> installing the Pulumi CLI $PULUMI_VERSION into ~/.pulumi" >&2
  if ! curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION" --no-edit-path; then
    cat >&2 <<'MSG'
Could not install the Pulumi CLI from get.pulumi.com. Install it another way and run again:
  - a package manager: brew install pulumi/tap/pulumi   (or see https://www.pulumi.com/docs/install/)
  - a release archive: unpack pulumi-v<version>-linux-x64.tar.gz and put its pulumi/ folder on PATH
  - an offline bundle of the CLI and plugins: put its bin/ folder on PATH
MSG
    exit 1
  fi
}

ensure_passphrase() {
  if [[ ! -s .pulumi-passphrase ]]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >.pulumi-passphrase)
    echo "==> created .pulumi-passphrase (encrypts this machine's stack secrets; keep it, never commit it)" >&2
  fi
}

# rotate_logins STACK [options]: every Kafka login gets a new password. The passwords derive from
# one secret per stack, the login seed; an up that replaces it has the logins stage set the new
# passwords on the brokers, then each pipeline stage write its own and restart its Logstash.
rotate_logins() {
  local stack=$1 urn
  shift
  urn=$(pulumi stack export --stack "$stack" | .venv/bin/python -c '
import json, sys
resources = json.load(sys.stdin)["deployment"].get("resources") or []
print("\n".join(r["urn"] for r in resources if r["urn"].endswith("-login-seed")))')
  if [[ -z $urn ]]; then
    echo "The stack '$stack' has no Kafka logins to rotate: it runs kafka.security plaintext, or is not deployed yet (make up STACK=$stack)." >&2
    exit 1
  fi
  prepare up "$stack"
  local -a replace=()
  for urn in $urn; do replace+=(--replace "$urn"); done
  echo "==> new passwords for every Kafka login of '$stack'; each pipeline restarts with its own" >&2
  pulumi up --yes --refresh --stack "$stack" "${replace[@]}" "$@" && after_up "$stack"
}

# prepare ACTION STACK: what the stack's platform needs of this machine, as the program lists it
# (python -m components.platform needs), checked before the engine starts.
prepare() {
  local action=$1 stack=$2 need needs
  ssh_agent "$stack"
  # Assigned first: a failing query stops here (set -e) instead of leaving no need checked.
  needs=$(.venv/bin/python -m components.platform needs "$(pulumi config get platform --stack "$stack" 2>/dev/null || true)")
  for need in $needs; do
    case $need in
      root) require_root "$stack" ;;
      aws-credentials) check_aws ;;
      downloads) [[ $action == destroy || $action == refresh ]] || check_downloads "$stack" ;;
      *) echo "scripts/pulumi.sh does not know the need '$need' (components/platform lists it): update it" >&2; exit 1 ;;
    esac
  done
}

require_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "The local platform runs its hosts as systemd-nspawn machines on a bridge of this machine: run as root (sudo make up STACK=$1)." >&2
    exit 1
  fi
}

# ssh_agent STACK: the command provider (pulumi-command 1.2.1) dials $SSH_AUTH_SOCK whenever it is
# set, even when the stack gives it a key, and fails every stage when nothing listens there (a tmux
# or screen session reattached, a forwarding closed). A stack with its own generated key needs no
# agent, so the agent is left out; with sshPublicKey (your key, held by your agent) one must answer.
ssh_agent() {
  local stack=$1 status=2
  if ! pulumi config get sshPublicKey --stack "$stack" >/dev/null 2>&1; then
    unset SSH_AUTH_SOCK
    return 0
  fi
  if [[ -n ${SSH_AUTH_SOCK:-} ]]; then
    status=0
    ssh-add -l >/dev/null 2>&1 || status=$?
  fi
  if ((status == 2)); then
    echo "sshPublicKey is set, so SSH to the hosts goes through your ssh-agent, but no agent answers at" \
      "SSH_AUTH_SOCK='${SSH_AUTH_SOCK:-}'. Start one and add your key, then run again:" \
      "eval \"\$(ssh-agent)\" && ssh-add ~/.ssh/<your key>" >&2
    exit 1
  fi
}

check_aws() {
  if [[ -n ${AWS_ACCESS_KEY_ID:-} || -n ${AWS_PROFILE:-} || -n ${AWS_WEB_IDENTITY_TOKEN_FILE:-} \
    || -f $HOME/.aws/credentials || -f $HOME/.aws/config ]]; then
    return 0
  fi
  cat >&2 <<'MSG'
No AWS credentials found. Provide them one of these ways, then run the command again:
  - aws configure                      (writes ~/.aws/credentials)
  - export AWS_PROFILE=<profile>       (a profile from ~/.aws/config, e.g. after aws sso login)
  - export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... [AWS_SESSION_TOKEN=...]
MSG
  exit 1
}

# check_downloads STACK: local hosts fetch Kafka and Logstash through this machine's network, from
# kafka.downloadUrl and logstash.downloadUrl (Apache's and Elastic's sites unless set). Better said
# now than by a stage after minutes of booting.
check_downloads() {
  local stack=$1 product url products=(logstash)
  # Kafka only where the stack installs it: on its own brokers (kafka.provider ours, the default).
  [[ $(pulumi config get --path kafka.provider --stack "$stack" 2>/dev/null || echo $OWN_BROKERS) != "$OWN_BROKERS" ]] \
    || products=(kafka logstash)
  for product in "${products[@]}"; do
    url=$(pulumi config get --path "$product.downloadUrl" --stack "$stack" 2>/dev/null) \
      || url=$(.venv/bin/python -c "from components.settings import keys; print(keys.KEYS['$product']['downloadUrl'].default)")
    # A mirror on the stack's own bridge comes up with the stack: out of reach until its first up.
    [[ $(on_bridge "$stack" "$url") == no ]] || continue
    # Any answer will do (Elastic's folder answers 404): the question is whether the site is in reach.
    if ! curl -sS -I --max-time 8 -o /dev/null "$url/" 2>/dev/null; then
      cat >&2 <<MSG
The local hosts download $product from $url, which this machine cannot reach (they reach the
internet through it). Point the stack at a mirror you trust that lays out the archives the same way,
with the archive's SHA-512, then run again:
  scripts/pulumi.sh config set --path $product.downloadUrl <url>
  scripts/pulumi.sh config set --path $product.sha512 <sha512 of the archive>
MSG
      exit 1
    fi
  done
}

# on_bridge STACK URL: "yes" when URL's host is an address of the stack's local bridge subnet.
on_bridge() {
  local subnet
  subnet=$(pulumi config get --path local.subnet --stack "$1" 2>/dev/null || true)
  .venv/bin/python -c 'import ipaddress, sys, urllib.parse
from components.settings.parse import default_local_subnet
stack, subnet, url = sys.argv[1:]
try:
    inside = ipaddress.ip_address(urllib.parse.urlsplit(url).hostname) in ipaddress.ip_network(subnet or default_local_subnet(stack))
except ValueError:
    inside = False  # a name, not an address: never the bridge
print("yes" if inside else "no")' "$1" "$subnet" "$2"
}

after_destroy() {
  local stack=$1
  # New hosts may come back on the same addresses with new host keys.
  rm -f "$HOME/.ssh/kafka-pipeline-$stack.known_hosts"
  echo "Everything of stack '$stack' is gone."
}

outputs() {
  local stack=$1
  if ! pulumi stack output --stack "$stack" --json 2>/dev/null | grep -q '[^{}[:space:]]'; then
    echo "Stack '$stack' has nothing deployed. Deploy it with: make up STACK=$stack" >&2
    exit 1
  fi
  pulumi stack output --stack "$stack"
}

# tunnels STACK: one SSH tunnel per broker to its loopback-only operator listener, on the local
# port the broker advertises (stack output hosts: each broker's user, address and operatorPort);
# TUNNELS holds their pids.
TUNNELS=()
tunnels() {
  local stack=$1 key target port i endpoints
  key=$(save_key "$stack")
  # A Kafka the user runs (kafka.provider existing) is dialled as given: operatorBootstrap is its address.
  [[ $(pulumi stack output kafkaProvider --stack "$stack" 2>/dev/null || echo $OWN_BROKERS) == "$OWN_BROKERS" ]] || return 0
  local identity=()
  [[ -s $key ]] && identity=(-i "$key")
  # "user@address port" per broker.
  endpoints=$(pulumi stack output hosts --json --stack "$stack" 2>/dev/null | python3 -c 'import json, sys
brokers = [h for h in json.load(sys.stdin).values() if "operatorPort" in h]
for h in brokers:
    print(h["user"] + "@" + h["address"], h["operatorPort"])
sys.exit(0 if brokers else 1)' 2>/dev/null) \
    || { echo "FAIL: stack '$stack' exports no broker (stack output hosts): deploy it, or deploy it again after an upgrade: make up STACK=$stack" >&2; exit 1; }
  trap 'kill "${TUNNELS[@]}" 2>/dev/null' EXIT
  while read -r target port; do
    ssh -n "${identity[@]}" -o ExitOnForwardFailure=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=15 \
      -o UserKnownHostsFile="$HOME/.ssh/kafka-pipeline-$stack.known_hosts" -N -L "$port:localhost:$port" "$target" &
    TUNNELS+=($!)
    for ((i = 0; i < 20; i++)); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      kill -0 "${TUNNELS[-1]}" 2>/dev/null || { echo "FAIL: the SSH tunnel to $target did not open (is your IP in sshCidrs?)" >&2; exit 1; }
      sleep 1
    done
  done <<<"$endpoints"
}

# save_key STACK: the stack's generated SSH key, written owner-only where the hosts output points
# (sshKey); prints its path. A stack on the operator's own key (sshPublicKey) has none to write.
save_key() {
  local key="$HOME/.ssh/kafka-pipeline-$1.pem"
  if pulumi stack output sshPrivateKey --stack "$1" >/dev/null 2>&1; then
    (umask 077 && mkdir -p "$HOME/.ssh" && pulumi stack output --show-secrets sshPrivateKey --stack "$1" >"$key")
  fi
  echo "$key"
}

# smoke STACK: open the tunnels, send a canary into every partition of the topic and read each back
# (scripts/smoke.py), close the tunnels.
smoke() {
  local stack=$1
  tunnels "$stack"
  .venv/bin/python scripts/smoke.py --stack "$stack"
}

# tunnel STACK: open the tunnels and keep them open until Ctrl-C.
tunnel() {
  local stack=$1
  tunnels "$stack"
  if ((${#TUNNELS[@]} == 0)); then
    echo "No tunnel needed: this stack's Kafka is one you run, at $(pulumi stack output operatorBootstrap --stack "$stack")."
    return 0
  fi
  echo "Tunnels open: Kafka clients on this machine reach the brokers at $(pulumi stack output operatorBootstrap --stack "$stack"). Ctrl-C closes them."
  wait
}

after_up() {
  local stack=$1
  cat <<MSG

Your pipeline is up. Next steps (all values: make outputs STACK=$stack):
  1. Save the SSH key:   $(pulumi stack output saveSshKey --stack "$stack" 2>/dev/null || echo "(you brought your own key)")
  2. Watch data arrive:  \$(STACK=$stack scripts/pulumi.sh stack output watchConsumer)   (a class: ... stack output students)
  3. Smoke test:         make smoke STACK=$stack   (a canary event through the topic and back)
  4. Tear it down:       make destroy STACK=$stack
MSG
}

main "$@"
