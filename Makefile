# Every target checks its prerequisites first, then installs what it needs (scripts/setup.sh is idempotent
# and quick when done), then runs.
PY := .venv/bin/python
STACK ?= dev

# `make` alone lists the targets (make help).
.DEFAULT_GOAL := help

.PHONY: help setup setup-python test test-oldest-python test-live-root mutation lint typecheck unit up preview destroy check verify bench bench-policy integration bench-audit test-prowler test-sequences test-simulations

## This list: every target and what it does (the first sentence of the `## ` lines above it).
help:
	@awk '/^## /{text = text (text == "" ? "" : " ") substr($$0, 4); next} \
		/^[a-z][a-z0-9-]*:/{if (text != "") {split($$0, target, ":"); end = index(text, ". "); \
		if (end) text = substr(text, 1, end); printf "  make %-16s %s\n", target[1], text}; text = ""; next} \
		{text = ""}' $(MAKEFILE_LIST)

## Everything the tests need (nginx included).
setup:
	@bash scripts/setup.sh

## Only the virtualenv: enough to deploy, check and probe (no root needed).
setup-python:
	@bash scripts/setup.sh --python-only

## The test command (README and .ci/run): lint and format, then the type check and every test side by side
## (each is one process on one core; -O keeps each one's output together). Any failure fails the target.
test: setup
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory -j2 -Otarget typecheck unit

## The component's tests (tests/components) on the oldest Python the project supports (3.10, the Pulumi SDK's
## minimum), in their own virtualenv .venv-oldest (made once, about 20 s). A missing Python 3.10 fails the target.
## .ci/run runs it after `make test`, outside that target's two minutes.
test-oldest-python:
	@bash scripts/setup.sh --oldest-python
	env -u PYTHONDONTWRITEBYTECODE .venv-oldest/bin/python -m pytest -n 2 --dist loadfile -m "not live" -p no:cacheprovider \
		tests/components

## The live tests again, as root, where the metadata lock and the boot script are applied for real (network
## and mount namespaces): a missing capability fails here instead of skipping. The workflows run it after
## `make test`, whose runner user is not root.
test-live-root: setup
	$(if $(filter 0,$(shell id -u)),,sudo --preserve-env=PATH) env ORIGIN_LOCKDOWN_REQUIRE_LIVE=1 \
		PYTHONDONTWRITEBYTECODE=1 $(PY) -m pytest -m live -p no:cacheprovider

## Mutation testing of the gate modules (tools/mutation/targets.toml): each module against its own tests,
## a score per module and every survivor; fails under 90%. Minutes, not seconds: not part of `make test`.
mutation: setup-python
	$(PY) -m tools.mutation.run --max-children 2

## The deploy simulations (tests marked simulation: automatic rotation over months, killed and failed `pulumi up`s,
## every documented switch of settings step by step, a sample of the rotation sequences). .ci/run and the
## pull-request workflow run it after `make test`, outside that target's two minutes.
test-simulations: setup-python
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n 2 --dist loadfile -m simulation

SEED ?= 19
## Secret rotation through failures, over simulated time (tests/components/rotation_sequences.py): every fault of
## every step of every architecture, retried after seconds, hours, days or not, then every kind of setting
## change, each `pulumi up` checked by the world model. Minutes, not seconds: not part of `make test`.
## SEED=19 (the default) draws the retries and changes; SAMPLE=N runs N random scenarios instead.
test-sequences: setup-python
	PYTHONPATH=components $(PY) -m tests.components.rotation_sequences --seed $(SEED) $(if $(SAMPLE),--sample $(SAMPLE))

## Ruff: lint and format check.
lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Mypy over the program, the package, the pack, offline/, tools/ and tests/.
typecheck:
	$(PY) -m mypy

# Two workers, each test file on one worker (files share module fixtures such as a running policy pack,
# and the metadata-lock tests one network namespace).
## Pytest on both cores (every test; the live ones skip with the reason where a capability is missing).
## Bytecode is written (PYTHONDONTWRITEBYTECODE unset): the virtualenv is installed without it (--no-compile), and
## without it every process the tests start (the pack's server, the audit, the tools) would compile pulumi_aws again.
unit:
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n 2 --dist loadfile -m "not simulation"

## Deploy the stack (asks for confirmation; local state unless you are logged in to a backend).
up:
	@bash scripts/deploy.sh up $(STACK)

## Preview the stack with the policy pack (same backend choice as make up).
preview:
	@bash scripts/deploy.sh preview $(STACK)

## Destroy the stack's resources (asks for confirmation).
destroy:
	@bash scripts/deploy.sh destroy $(STACK)

## Offline review: every stack file and architecture under mocks, plus the policy pack.
check: setup-python
	$(PY) -m offline.check

## Post-deploy probe of a deployed stack (same backend choice as make up).
verify:
	@bash scripts/deploy.sh verify $(STACK)

## Benchmarks: the program under mocks, and the policy pack (1k/10k/50k resources, in-process and gRPC).
bench: setup-python
	$(PY) benchmarks/program_bench.py

## The policy pack against a do-nothing pack over the real analyzer protocol.
bench-policy: setup-python
	$(PY) benchmarks/policy_bench.py

## Deploy a throwaway stack per architecture, probe it, destroy it (needs AWS credentials and the Pulumi CLI;
## says which is missing before installing anything).
integration:
	@bash scripts/deploy.sh integration

## The audit's cost over distributions x groups against a moto server (minutes: builds accounts of 2,000 groups).
bench-audit: setup-python
	$(PY) benchmarks/audit_bench.py

PROWLER_PY := .venv-prowler/bin/python
## The Prowler custom checks (tools/prowler_checks), tested the way Prowler tests its own, in Prowler's own
## virtualenv (.venv-prowler: Prowler pins its own boto3). Minutes the first time (installing Prowler).
test-prowler:
	@test -x $(PROWLER_PY) || python3 -m venv .venv-prowler
	@$(PROWLER_PY) -m pip install -q --disable-pip-version-check -r tests/prowler_checks/requirements.txt
	$(PROWLER_PY) -m pytest -q -p no:cacheprovider tests/prowler_checks
