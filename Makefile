# Every target installs what it needs first (scripts/setup.sh is idempotent and quick when done).
PY := .venv/bin/python
STACK ?= dev

.PHONY: setup test up preview destroy check verify bench bench-policy integration

setup:
	@bash scripts/setup.sh

## The test command (README and .ci/run): lint, format, types, then every test.
test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

## Set up and deploy the dev stack (local state unless you are logged in to a backend).
up: setup
	@bash scripts/deploy.sh up $(STACK)

preview: setup
	@bash scripts/deploy.sh preview $(STACK)

destroy: setup
	@bash scripts/deploy.sh destroy $(STACK)

## Offline review: every stack file and architecture under mocks, plus the policy pack.
check: setup
	$(PY) -m offline.check

## Post-deploy probe of a deployed stack.
verify: setup
	$(PY) -m tools.verify_origin --stack $(STACK)

## Benchmarks: the program under mocks, and the policy pack (1k/10k/50k resources, in-process and gRPC).
bench: setup
	$(PY) benchmarks/program_bench.py

bench-policy: setup
	$(PY) benchmarks/policy_bench.py

## Deploy a throwaway stack per architecture, probe it, destroy it (needs AWS credentials and the Pulumi CLI).
integration: setup
	$(PY) -m pytest tests/integration -m aws -s -o addopts=
