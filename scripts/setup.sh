#!/usr/bin/env bash
# Installs what the program, the policy pack and the tests need, idempotently:
#   - nginx (the live tests run the rendered configuration in a real nginx on loopback high ports),
#     from the Debian/Ubuntu packages, only when no nginx is installed;
#   - nftables and iproute2 (the instance's metadata lock is applied for real in a network namespace),
#     each only when its command (nft, ip) is missing;
#   - a virtualenv in .venv (the one Pulumi.yaml names) with requirements-dev.txt.
# Every step is skipped when already satisfied: running it again changes nothing.
#
# Outside this checkout it changes nothing but what installing those packages changes. It writes no
# system file itself (no policy-rc.d, no configuration). Debian's package starts and enables a system
# nginx on port 80 where systemd runs; the tests start their own, so setup stops and disables that
# service again right after installing it. An nginx that was installed before is used as it is.
#
# Prerequisites are checked first, all at once, before anything is installed.
#
#   --python-only   only the virtualenv (deploying and the offline check need no nginx)
#   --nginx-only    only nginx
#   --oldest-python only a second virtualenv, .venv-oldest, with the oldest Python the project supports
#                   (MIN_PYTHON: python3.10 on PATH, $PYTHON_OLDEST, or pyenv's), for `make test-oldest-python`;
#                   a missing one is an error, never a skip
#   --check         only check the prerequisites: print each missing one as "  - WHAT: HOW" and exit 2
#                   if any is missing (scripts/deploy.sh merges these lines into its own report)
#
# SETUP_ROOT prefixes the system paths this script looks at (/usr/sbin/nginx, /run/systemd/system), so a
# test can run the install path against a fake root with stand-in apt-get, sudo and systemctl.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv"
ROOT="${SETUP_ROOT:-}"
MIN_PYTHON="3.10" # the oldest Python the pinned Pulumi SDK supports (pyproject.toml: requires-python, target py310)

log() { printf '[setup] %s\n' "$*"; }

want_nginx=1
want_python=1
want_oldest=0
check_only=0
for argument in "$@"; do
  case "$argument" in
    --python-only) want_nginx=0 ;;
    --nginx-only) want_python=0 ;;
    --oldest-python) want_nginx=0 want_python=0 want_oldest=1 ;;
    --check) check_only=1 ;;
    *) echo "usage: setup.sh [--python-only | --nginx-only | --oldest-python] [--check]" >&2; exit 2 ;;
  esac
done

is_root() { [ "$(id -u)" -eq 0 ]; }

as_root() {
  if is_root; then "$@"; else sudo "$@"; fi
}

# --- prerequisites -------------------------------------------------------------------------------

nginx_installed() {
  command -v nginx >/dev/null 2>&1 || [ -x "$ROOT/usr/sbin/nginx" ]
}

# Debian packages the live tests need besides nginx, by the command each provides.
other_test_packages() {
  local found="" command package
  for pair in nft:nftables ip:iproute2; do
    command="${pair%%:*}" package="${pair#*:}"
    command -v "$command" >/dev/null 2>&1 || [ -x "$ROOT/usr/sbin/$command" ] || [ -x "$ROOT/sbin/$command" ] \
      || found="$found $package"
  done
  echo "$found"
}

# The test packages still to install: nginx (unless installed) and the others'.
missing_test_packages() {
  local missing
  missing="$(other_test_packages)"
  nginx_installed || missing=" nginx$missing"
  echo "${missing# }"
}

nginx_problems() {
  local missing
  missing="$(missing_test_packages)"
  [ -z "$missing" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "  - $missing (the live tests run them): no apt-get here; install them with your package manager (e.g. dnf install $missing), then run again"
  elif ! is_root && ! command -v sudo >/dev/null 2>&1; then
    echo "  - root or sudo, to install $missing with apt-get (the live tests run them): as root, run apt-get install $missing, then run again"
  fi
}

venv_ready() {
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

python_problems() {
  venv_ready && return 0
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "  - Python $MIN_PYTHON or newer ($PYTHON is not on PATH): install it (https://www.python.org/downloads/ or your package manager), or set PYTHON=/path/to/python3"
    return 0
  fi
  local version
  version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo unknown)"
  if ! "$PYTHON" -c "import sys; sys.exit(sys.version_info[:2] < (${MIN_PYTHON/./, }))" 2>/dev/null; then
    echo "  - Python $MIN_PYTHON or newer ($PYTHON is $version): install it, or set PYTHON=/path/to/python$MIN_PYTHON"
  elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "  - Python's venv module with pip, for $VENV ($PYTHON $version has none): on Debian/Ubuntu, apt-get install python3-venv"
  fi
}

# The oldest supported Python, exactly MIN_PYTHON: $PYTHON_OLDEST, pythonX.Y on PATH, or pyenv's newest X.Y.*.
oldest_python() {
  local candidate version candidates=("${PYTHON_OLDEST:-}" "python$MIN_PYTHON")
  for version in "${PYENV_ROOT:-$HOME/.pyenv}/versions/$MIN_PYTHON".*; do
    [ -x "$version/bin/python" ] && candidates+=("$version/bin/python")
  done
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != (${MIN_PYTHON/./, }))" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

oldest_problems() {
  oldest_python >/dev/null && return 0
  echo "  - Python $MIN_PYTHON, the oldest the project supports, for the component's tests on it (python$MIN_PYTHON on PATH, PYTHON_OLDEST, or pyenv: pyenv install $MIN_PYTHON)"
}

all_problems() {
  if [ "$want_nginx" -eq 1 ]; then nginx_problems; fi
  if [ "$want_python" -eq 1 ]; then python_problems; fi
  if [ "$want_oldest" -eq 1 ]; then oldest_problems; fi
}

problems="$(all_problems)"
if [ "$check_only" -eq 1 ]; then
  [ -z "$problems" ] && exit 0
  echo "$problems"
  exit 2
fi
if [ -n "$problems" ]; then
  echo "error: cannot set up yet; missing:" >&2
  echo "$problems" >&2
  exit 2
fi

# --- nginx ---------------------------------------------------------------------------------------

apt_install_nginx() {
  # nginx-light where that flavour exists (Debian 12 has it), else plain nginx.
  local package
  for package in nginx-light nginx; do
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null; then
      return 0
    fi
  done
  return 1
}

stop_system_nginx() {
  # Called only right after this script installed nginx: the service can only be the package's own.
  if [ -d "$ROOT/run/systemd/system" ] && command -v systemctl >/dev/null 2>&1; then
    if as_root systemctl disable --now nginx.service >/dev/null 2>&1; then
      log "stopped and disabled the nginx service the package started (the tests run their own)"
    else
      log "warning: could not stop the nginx service the package started; it may serve port 80: run systemctl disable --now nginx.service"
    fi
  elif command -v service >/dev/null 2>&1 && service nginx status >/dev/null 2>&1; then
    if as_root service nginx stop >/dev/null 2>&1; then
      log "stopped the nginx the package started (the tests run their own)"
    else
      log "warning: could not stop the nginx the package started; it may serve port 80: run service nginx stop"
    fi
  fi
}

install_other_test_packages() {
  local missing
  missing="$(other_test_packages)"
  [ -z "$missing" ] && return 0
  log "installing$missing with apt-get (the live tests apply the instance's metadata lock in a namespace)"
  # shellcheck disable=SC2086 # one word per package
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
      || { log "error: apt-get could not install$missing"; exit 1; }
  fi
}

install_nginx() {
  nginx_installed && return 0
  log "installing nginx with apt-get (the live tests run it on loopback high ports)"
  # Fresh container images have no package lists: update them only when the install needs it.
  if ! apt_install_nginx 2>/dev/null; then
    log "updating the package lists (apt-get update), then trying again"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_install_nginx || { log "error: apt-get could not install nginx-light or nginx"; exit 1; }
  fi
  if ! nginx_installed; then
    log "error: apt-get reported success, but there is no nginx on PATH or in $ROOT/usr/sbin"
    exit 1
  fi
  stop_system_nginx
}

# --- Python --------------------------------------------------------------------------------------

# pip's configured local mirrors print a warning per package when absent: drop those lines only,
# keeping pip's own exit status.
pip_quiet() {
  "$VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored" >&2)
}

install_python() {
  local stamp="$VENV/.requirements.sha256"
  local want
  want="$(cat requirements.txt requirements-dev.txt policy/requirements.txt | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && venv_ready; then
    return 0
  fi
  # A half-made virtualenv (e.g. python3-venv missing when it was created) has no pip: start over.
  if ! venv_ready; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || { log "error: could not create $VENV with $PYTHON"; exit 1; }
  fi
  log "installing Python packages into $VENV"
  # The same pip everywhere, whatever version the interpreter bundles. --no-compile: byte-compiling all of
  # pulumi_aws at install took 13 of 22 s; Python compiles the few modules a run imports, once, instead.
  pip_quiet install -q --upgrade pip || { log "error: could not upgrade pip in $VENV"; exit 1; }
  pip_quiet install -q --no-compile -r requirements-dev.txt || { log "error: Python packages failed to install"; exit 1; }
  echo "$want" >"$stamp"
}

link_policy_venv() {
  # The policy pack (policy/PulumiPolicy.yaml: virtualenv .venv) shares the project's virtualenv,
  # which already holds pulumi-policy: `pulumi preview --policy-pack policy` then needs no install.
  [ -e policy/.venv ] || [ -L policy/.venv ] || ln -s ../.venv policy/.venv
}

install_oldest_python() {
  # Its own virtualenv, made once and refreshed when the requirements change: the component's runtime
  # dependencies and what its tests import (requirements-oldest.txt).
  local venv=".venv-oldest" stamp=".venv-oldest/.requirements.sha256" want python
  want="$(cat requirements.txt requirements-oldest.txt | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  python="$(oldest_python)"
  rm -rf "$venv"
  "$python" -m venv "$venv" || { log "error: could not create $venv with $python"; exit 1; }
  log "installing the component's requirements into $venv ($python)"
  "$venv/bin/python" -m pip install -q --no-compile -r requirements-oldest.txt 2> >(grep -v "is ignored" >&2) \
    || { log "error: Python packages failed to install into $venv"; exit 1; }
  echo "$want" >"$stamp"
}

if [ "$want_oldest" -eq 1 ]; then
  install_oldest_python
fi
if [ "$want_nginx" -eq 1 ]; then
  install_nginx
  install_other_test_packages
fi
if [ "$want_python" -eq 1 ]; then
  install_python
  link_policy_venv
fi
log "ready"
