#!/usr/bin/env bash
# `make up|preview|destroy|verify [STACK=dev]` and `make integration`: Pulumi for one stack, with the
# policy pack enforced on up and preview.
#
# In this order: check every prerequisite and say what is missing and how to get it, before anything is
# installed; set up the virtualenv (scripts/setup.sh --python-only); pick the backend; run.
# Uses the backend you are logged in to; if you are not logged in anywhere, a local state backend in
# .state/ of this checkout (no account needed). Never prints secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:-}"
stack="${2:-dev}"
case "$action" in
  up | preview | destroy | verify | integration) ;;
  *)
    echo "error: unknown action ${action:-(none)} (expected up, preview, destroy, verify or integration)" >&2
    exit 2
    ;;
esac

aws_credentials_visible() {
  # The same places as tests/integration/test_deploy_probe.py's aws_credentials().
  [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] \
    || [ -f "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" ]
}

missing=""
add_missing() { missing+="${missing:+$'\n'}  - $1"; }

if ! command -v pulumi >/dev/null 2>&1; then
  add_missing "the Pulumi CLI (pulumi on PATH): install it from https://www.pulumi.com/docs/install/ (e.g. curl -fsSL https://get.pulumi.com | sh), then open a new shell"
fi
if [ "$action" = integration ] && ! aws_credentials_visible; then
  # The integration test deploys for real and skips without these: say so now, not after the install.
  add_missing "AWS credentials for a throwaway account: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE), or write ~/.aws/credentials (aws configure)"
fi
if python_missing="$(bash scripts/setup.sh --python-only --check)"; then :; else
  status=$?
  [ "$status" -eq 2 ] || { echo "error: scripts/setup.sh --check failed (exit $status)" >&2; exit "$status"; }
  missing+="${missing:+$'\n'}$python_missing"
fi
if [ -n "$missing" ]; then
  echo "error: cannot run make $action yet; missing:" >&2
  echo "$missing" >&2
  echo "Nothing was installed or changed." >&2
  exit 2
fi
case "$action" in
  up | preview | destroy)
    if ! aws_credentials_visible && [ ! -f "${HOME}/.aws/config" ]; then
      # Only a warning: instance roles, containers and SSO profiles need none of these.
      echo "warning: no AWS credentials visible (AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws); Pulumi will say if it finds none." >&2
    fi
    ;;
esac

bash scripts/setup.sh --python-only

if [ "$action" = integration ]; then
  # The test picks its own backend and stacks; -rs prints why a test was skipped, if one is.
  exec .venv/bin/python -m pytest tests/integration -m aws -s -o addopts= -rs --strict-markers
fi

# A login exists: a token in the environment, or a current backend in the CLI's credentials file.
has_login() {
  [ -n "${PULUMI_ACCESS_TOKEN:-}" ] && return 0
  local credentials="${PULUMI_HOME:-$HOME/.pulumi}/credentials.json"
  [ -s "$credentials" ] && grep -q '"current"' "$credentials"
}

if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! whoami_output="$(pulumi whoami 2>&1)"; then
  if has_login; then
    # Logged in, yet the backend does not answer (an expired token, no network): falling back to local
    # state would deploy a second copy of the stack, with none of its history. Stop instead.
    echo "error: pulumi whoami failed although you are logged in to a Pulumi backend: $whoami_output" >&2
    echo "Fix the login (pulumi login) or set PULUMI_BACKEND_URL; nothing was deployed." >&2
    exit 2
  fi
  mkdir -p .state
  export PULUMI_BACKEND_URL="file://$PWD/.state"
  echo "Not logged in to a Pulumi backend: using local state in .state/"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    if [ "$action" = verify ]; then
      # Older CLIs decrypt the whole state even for plain outputs (pulumi/pulumi#21141) and cannot prompt here.
      echo "If reading the outputs asks for a passphrase, set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase."
    else
      echo "Pulumi will ask for a passphrase that protects this stack's secrets (or set PULUMI_CONFIG_PASSPHRASE)."
    fi
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
if [ "$action" = up ] || [ "$action" = preview ]; then
  # One clock per deploy: `pulumi up` runs the program for its preview and again for the update, so a rotation
  # step falling due in between would be taken without having been shown. Always a fresh pin: one exported in the
  # user's shell for an earlier bare `pulumi up` would plan this deploy at that old time (and be refused once 12
  # hours old), so it is replaced, and said so. (The deploy workflow pins its own and runs pulumi directly.)
  fresh_pin="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if [ -n "${ORIGIN_LOCKDOWN_DEPLOY_TIME:-}" ] && [ "$ORIGIN_LOCKDOWN_DEPLOY_TIME" != "$fresh_pin" ]; then
    echo "Ignoring ORIGIN_LOCKDOWN_DEPLOY_TIME=$ORIGIN_LOCKDOWN_DEPLOY_TIME from your shell: this deploy's clock is pinned to $fresh_pin."
  fi
  ORIGIN_LOCKDOWN_DEPLOY_TIME="$fresh_pin"
  export ORIGIN_LOCKDOWN_DEPLOY_TIME
fi
case "$action" in
  up)
    pulumi stack select "$stack" --create
    # A switch that deletes a VPC origin (vpcOrigin off, or one replaced) can stop at its very end, after CloudFront
    # has moved: CloudFront may answer 409 to deleting the old VPC origin for a while, and its network interfaces
    # keep a subnet the update deletes busy. tools/vpc_origin_cleanup.py --after up deletes the old VPC origin itself
    # (backing off on the 409), waits for those interfaces and says whether asking again can go further (exit 0);
    # otherwise the update's own failure stands. At most three rounds, the same clock (ORIGIN_LOCKDOWN_DEPLOY_TIME).
    attempt=1
    until pulumi up --stack "$stack" --policy-pack policy ${CI:+--yes}; do
      status=$?
      [ "$attempt" -lt 3 ] || exit "$status"
      if ! .venv/bin/python -m tools.vpc_origin_cleanup --stack "$stack" --after up; then
        exit "$status"
      fi
      attempt=$((attempt + 1))
    done
    ;;
  preview)
    pulumi stack select "$stack" --create
    pulumi preview --stack "$stack" --policy-pack policy --diff
    ;;
  destroy)
    # No --yes, ever: Pulumi shows what goes and asks, and refuses without a terminal to ask on.
    # No `stack select --create` either: a mistyped STACK must not create an empty stack.
    # A stack with a VPC origin may stop on what CloudFront leaves in the VPC (its network interfaces and its
    # service group, not the stack's) or on a VPC origin it still counts as used (409): tools/vpc_origin_cleanup.py
    # waits for CloudFront, removes its group and says whether asking again can go further (exit 0), else the
    # destroy's own failure stands. At most three rounds.
    attempt=1
    until pulumi destroy --stack "$stack"; do
      status=$?
      [ "$attempt" -lt 3 ] || exit "$status"
      if ! .venv/bin/python -m tools.vpc_origin_cleanup --stack "$stack"; then
        exit "$status"
      fi
      attempt=$((attempt + 1))
    done
    ;;
  verify)
    exec .venv/bin/python -m tools.verify_origin --stack "$stack"
    ;;
esac
