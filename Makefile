# The two commands: `make up` (deploy) and `make test` (every test). Both set themselves up.
STACK ?= dev
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: up preview destroy outputs smoke test unit integration jars bench deps dev-deps

up:
	scripts/pulumi.sh up $(STACK)

preview:
	scripts/pulumi.sh preview $(STACK)

destroy:
	scripts/pulumi.sh destroy $(STACK)

outputs:
	scripts/pulumi.sh output $(STACK)

smoke:
	scripts/pulumi.sh smoke $(STACK)

# The venv is (re)filled whenever a requirements file changed since it was last filled.
deps: $(VENV)/.requirements
dev-deps: $(VENV)/.requirements-dev
	@scripts/test-deps.sh

$(VENV)/.requirements: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@cp requirements.txt $@

$(VENV)/.requirements-dev: requirements-dev.txt $(VENV)/.requirements
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@cp requirements-dev.txt $@

# Every layer: config validation, stages, shellcheck, the program under mocks, and the real
# Kafka broker in network namespaces (needs root; jars come from Maven Central once).
test: dev-deps jars
	$(PY) -m pytest

unit: dev-deps
	$(PY) -m pytest -m "not integration"

integration: dev-deps jars
	$(PY) -m pytest -m integration

jars:
	@scripts/test-deps.sh jars

# Figures only, no assertions: the data path between namespaces vs Kafka's own perf tool, and how
# the program's evaluation grows with the size of a class.
bench: dev-deps jars
	$(PY) scripts/bench.py
	$(PY) scripts/bench_program.py
