# Every target checks its prerequisites first, then installs what it needs (scripts/setup.sh is idempotent
# and quick when done), then runs.
PY := .venv/bin/python
STACK ?= dev

.PHONY: setup setup-python test test-live-root mutation lint typecheck unit up preview destroy check verify bench bench-policy integration test-sequences

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

## Secret rotation through failures, over simulated time (tests/components/rotation_sequences.py): every fault of
## every step of every architecture, retried after seconds, hours, days or not, then every kind of setting
## change, each `pulumi up` checked by the world model. Minutes, not seconds: not part of `make test`.
## SEED=19 (the default) draws the retries and changes; SAMPLE=N runs N random scenarios instead.
SEED ?= 19
test-sequences: setup-python
	PYTHONPATH=components $(PY) -m tests.components.rotation_sequences --seed $(SEED) $(if $(SAMPLE),--sample $(SAMPLE))

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck:
	$(PY) -m mypy

# Two workers, each test file on one worker (files share module fixtures such as a running policy pack,
# and the metadata-lock tests one network namespace).
unit:
	$(PY) -m pytest -n 2 --dist loadfile

## Deploy the stack (asks for confirmation; local state unless you are logged in to a backend).
up:
	@bash scripts/deploy.sh up $(STACK)

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

bench-policy: setup-python
	$(PY) benchmarks/policy_bench.py

## Deploy a throwaway stack per architecture, probe it, destroy it (needs AWS credentials and the Pulumi CLI;
## says which is missing before installing anything).
integration:
	@bash scripts/deploy.sh integration
