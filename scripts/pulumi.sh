#!/usr/bin/env bash
# Runs Pulumi for this project with everything it needs set up on first use: the venv, the Pulumi
# CLI, a local state backend (no Pulumi Cloud account) and a passphrase kept out of git.
#   scripts/pulumi.sh up|preview|destroy|output|smoke [stack]   (stack defaults to $STACK or dev)
set -euo pipefail

PULUMI_VERSION=3.272.0   # the CLI of the same release as the pinned Python SDK (requirements.txt)

main() {
  local action=${1:?usage: scripts/pulumi.sh up|preview|destroy|output [stack]}
  local stack=${2:-${STACK:-dev}}
  cd "$(dirname "${BASH_SOURCE[0]}")/.."

  ensure_venv
  ensure_cli
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/.pulumi-passphrase"
  export PULUMI_SKIP_UPDATE_CHECK=true
  mkdir -p .pulumi-state
  ensure_passphrase

  case $action in
    up | preview | destroy) check_aws ;;
  esac
  pulumi stack select --create "$stack" >/dev/null
  case $action in
    up) pulumi up --yes --stack "$stack" && after_up "$stack" ;;
    preview) pulumi preview --stack "$stack" ;;
    destroy) pulumi destroy --yes --stack "$stack" && echo "Everything of stack '$stack' is gone." ;;
    output) pulumi stack output --stack "$stack" ;;
    smoke) smoke "$stack" ;;
    *) echo "unknown action: $action (use up, preview, destroy, output or smoke)" >&2; exit 2 ;;
  esac
}

ensure_venv() {
  if [[ ! -x .venv/bin/python ]]; then
    echo "==> creating .venv and installing requirements"
    python3 -m venv .venv
  fi
  # Refilled whenever requirements.txt changed since the venv was last filled (as make does).
  if ! cmp -s requirements.txt .venv/.requirements; then
    .venv/bin/pip install --quiet -r requirements.txt
    cp requirements.txt .venv/.requirements
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

command_exists() { command -v "$1" >/dev/null 2>&1; }

ensure_cli() {
  export PATH="$HOME/.pulumi/bin:$PATH"
  if ! command_exists pulumi; then
    echo "==> installing the Pulumi CLI $PULUMI_VERSION into ~/.pulumi"
    curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION" --no-edit-path
  fi
}

ensure_passphrase() {
  if [[ ! -s .pulumi-passphrase ]]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >.pulumi-passphrase)
    echo "==> created .pulumi-passphrase (encrypts this machine's stack secrets; keep it, never commit it)"
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

# smoke STACK: open the SSH tunnel to the broker's operator listener, send a canary through the
# topic and read it back (scripts/smoke.py), close the tunnel.
smoke() {
  local stack=$1 key ip tunnel i
  key="$HOME/.ssh/kafka-pipeline-$stack.pem"
  if [[ ! -s $key ]] && pulumi stack output sshPrivateKey --stack "$stack" >/dev/null 2>&1; then
    (umask 077 && mkdir -p "$HOME/.ssh" && pulumi stack output --show-secrets sshPrivateKey --stack "$stack" >"$key")
  fi
  ip=$(pulumi stack output brokerPublicIps --json --stack "$stack" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
  local identity=()
  [[ -s $key ]] && identity=(-i "$key")
  ssh "${identity[@]}" -o ExitOnForwardFailure=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=15 \
    -N -L 9094:localhost:9094 "ec2-user@$ip" &
  tunnel=$!
  # shellcheck disable=SC2064 # expand now: the tunnel's pid
  trap "kill $tunnel 2>/dev/null" EXIT
  for ((i = 0; i < 20; i++)); do
    (exec 3<>/dev/tcp/127.0.0.1/9094) 2>/dev/null && break
    kill -0 "$tunnel" 2>/dev/null || { echo "FAIL: the SSH tunnel to $ip did not open (is your IP in sshCidrs?)" >&2; exit 1; }
    sleep 1
  done
  .venv/bin/python scripts/smoke.py --stack "$stack" --bootstrap localhost:9094
}

after_up() {
  local stack=$1
  cat <<MSG

Your pipeline is up. Next steps (all values: scripts/pulumi.sh output $stack):
  1. Save the SSH key:   $(pulumi stack output saveSshKey --stack "$stack" 2>/dev/null || echo "(you brought your own key)")
  2. Watch data arrive:  pulumi stack output watchConsumer --stack $stack   (students: pulumi stack output students)
  3. Smoke test:         make smoke STACK=$stack   (a canary event through the topic and back)
  4. Tear it down:       make destroy STACK=$stack
MSG
}

main "$@"
