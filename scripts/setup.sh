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
  # Keep the package from starting a system nginx on port 80: the tests start their own. The trap
  # removes the block even when apt fails, so later installs on this machine start services again.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
  trap - EXIT
}

# pip's configured local mirrors print a warning per package when absent: drop those lines only,
# keeping pip's own exit status.
pip_quiet() {
  "$VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored" >&2)
}

install_python() {
  local stamp="$VENV/.requirements.sha256"
  local want
  want="$(cat requirements.txt requirements-dev.txt policy/requirements.txt | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  # A half-made virtualenv (e.g. python3-venv missing when it was created) has no pip: start over.
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || {
      log "could not create $VENV with $PYTHON (on Debian/Ubuntu: apt-get install python3-venv)"
      exit 1
    }
  fi
  log "installing Python packages into $VENV"
  pip_quiet install -q --upgrade pip
  pip_quiet install -q -r requirements-dev.txt || { log "Python packages failed to install"; exit 1; }
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
