#!/usr/bin/env bash
# `make up|preview|destroy [STACK=dev]`: run Pulumi for one stack with the policy pack enforced.
# Uses the backend you are logged in to; if you are not logged in anywhere, a local state backend in
# .state/ of this checkout (no account needed). Never prints secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:?usage: deploy.sh up|preview|destroy STACK}"
stack="${2:-dev}"
case "$action" in
  up|preview|destroy) ;;
  *) echo "error: unknown action $action (expected up, preview or destroy)" >&2; exit 2 ;;
esac

if ! command -v pulumi >/dev/null 2>&1; then
  echo "error: the Pulumi CLI is not installed. Install it: https://www.pulumi.com/docs/install/" >&2
  exit 2
fi
if [ -z "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] && [ ! -f "${HOME}/.aws/credentials" ] \
   && [ ! -f "${HOME}/.aws/config" ]; then
  # Only a warning: instance roles, containers and other providers need none of these.
  echo "warning: no AWS credentials visible (AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws); Pulumi will say if it finds none." >&2
fi
if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
  mkdir -p .state
  export PULUMI_BACKEND_URL="file://$PWD/.state"
  echo "Not logged in to a Pulumi backend: using local state in .state/"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    echo "Pulumi will ask for a passphrase that protects this stack's secrets (or set PULUMI_CONFIG_PASSPHRASE)."
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
pulumi stack select "$stack" --create
case "$action" in
  up)      pulumi up --stack "$stack" --policy-pack policy ${CI:+--yes} ;;
  preview) pulumi preview --stack "$stack" --policy-pack policy --diff ;;
  destroy) pulumi destroy --stack "$stack" --yes ;;
esac
