#!/usr/bin/env bash
# Installs everything the program, the policy pack and the tests need, idempotently:
#   - Debian's nginx (the live tests run the rendered configuration in a real nginx),
#   - a virtualenv in .venv (the one Pulumi.yaml names) with requirements-dev.txt.
# Safe to run again: each step is skipped when already satisfied.
#   --python-only   skip nginx (deploying and the offline check do not need it; the tests do)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv"

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $* (no sudo found)"; return 1; fi
}

install_nginx() {
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    return 0
  fi
  log "installing Debian's nginx (used by the live tests on loopback)"
  # Keep the package from starting a system nginx on port 80: the tests start their own.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
}

install_python() {
  local stamp="$VENV/.requirements.sha256"
  local want
  want="$(cat requirements.txt requirements-dev.txt policy/requirements.txt | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  log "installing Python packages into $VENV"
  # pip's configured local mirrors print a warning per package when absent: keep the log readable.
  "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -m pip install -q -r requirements-dev.txt 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -c "import pulumi, pulumi_aws, pulumi_random, pulumi_policy, pytest" \
    || { log "Python packages failed to install"; exit 1; }
  echo "$want" > "$stamp"
}

link_policy_venv() {
  # The policy pack (policy/PulumiPolicy.yaml: virtualenv .venv) shares the project's virtualenv,
  # which already holds pulumi-policy: `pulumi preview --policy-pack policy` then needs no install.
  [ -e policy/.venv ] || ln -s ../.venv policy/.venv
}

[ "${1:-}" = "--python-only" ] || install_nginx
install_python
link_policy_venv
log "ready"
