# Every target installs what it needs first (scripts/setup.sh is idempotent and quick when done).
PY := .venv/bin/python
STACK ?= dev

.PHONY: setup setup-python test up preview destroy check verify bench bench-policy integration

## Everything the tests need (Debian nginx included).
setup:
	@bash scripts/setup.sh

## Only the virtualenv: enough to deploy, check and probe (no root needed).
setup-python:
	@bash scripts/setup.sh --python-only

## The test command (README and .ci/run): lint, format, types, then every test.
test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

## Set up and deploy the dev stack (local state unless you are logged in to a backend).
up: setup-python
	@bash scripts/deploy.sh up $(STACK)

preview: setup-python
	@bash scripts/deploy.sh preview $(STACK)

destroy: setup-python
	@bash scripts/deploy.sh destroy $(STACK)

## Offline review: every stack file and architecture under mocks, plus the policy pack.
check: setup-python
	$(PY) -m offline.check

## Post-deploy probe of a deployed stack.
verify: setup-python
	$(PY) -m tools.verify_origin --stack $(STACK)

## Benchmarks: the program under mocks, and the policy pack (1k/10k/50k resources, in-process and gRPC).
bench: setup-python
	$(PY) benchmarks/program_bench.py

bench-policy: setup-python
	$(PY) benchmarks/policy_bench.py

## Deploy a throwaway stack per architecture, probe it, destroy it (needs AWS credentials and the Pulumi CLI).
integration: setup
	$(PY) -m pytest tests/integration -m aws -s -o addopts=
