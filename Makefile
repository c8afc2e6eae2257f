# The two commands: `make up` (deploy) and `make test` (every test). Both set themselves up.
STACK ?= dev
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: up preview refresh destroy outputs smoke tunnel status rotate-logins test unit integration rehearse chaos mutate jars bench deps dev-deps

up:
	scripts/pulumi.sh up $(STACK)

preview:
	scripts/pulumi.sh preview $(STACK)

refresh:
	scripts/pulumi.sh refresh $(STACK)

destroy:
	scripts/pulumi.sh destroy $(STACK)

outputs:
	scripts/pulumi.sh output $(STACK)

smoke:
	scripts/pulumi.sh smoke $(STACK)

tunnel:
	scripts/pulumi.sh tunnel $(STACK)

# The instructor's live view: topics, consumer groups, students, brokers (Ctrl-C quits).
status:
	scripts/pulumi.sh status $(STACK)

# New passwords for every Kafka login (kafka.security sasl_ssl); the pipelines restart with them.
rotate-logins:
	scripts/pulumi.sh rotate-logins $(STACK)

# The venv is (re)filled whenever a requirements file changed since it was last filled.
deps: $(VENV)/.requirements
dev-deps: $(VENV)/.requirements-dev

$(VENV)/.requirements: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "==> installing the program's Python packages into $(VENV)"
	$(VENV)/bin/pip install --quiet --progress-bar off -r requirements.txt
	@cp requirements.txt $@

$(VENV)/.requirements-dev: requirements-dev.txt $(VENV)/.requirements
	$(VENV)/bin/pip install --quiet --progress-bar off -r requirements-dev.txt
	@cp requirements-dev.txt $@

# Every layer: config validation, stages, shellcheck, the program under mocks, the real Kafka
# broker in network namespaces, and the rehearsal on local systemd hosts (needs root; Kafka's jars
# come from Maven Central and the hosts' image from Debian, once each). The longest rehearsal runs
# beside the rest (tests/run_all.sh), and the slowest tests are listed: CI must stay within 50 minutes.
test: dev-deps jars
	tests/run_all.sh

# No root, no broker: config, stages, shellcheck, the program under mocks, and the README's config
# examples applied through scripts/pulumi.sh with the real CLI (it installs the CLI when missing).
unit: dev-deps
	$(PY) -m pytest -m "not integration"

integration: dev-deps jars
	$(PY) -m pytest -m "integration and not rehearsal"

# From nothing to nothing on local systemd-nspawn hosts, with the real Pulumi engine.
rehearse: dev-deps jars
	$(PY) -m pytest -m rehearsal

# A fault every 30 s for 10 minutes on a 3-broker local stack, then the books (root; see README).
chaos: dev-deps jars
	$(PY) -m tests.rehearsal.chaos $(CHAOS_ARGS)

# Mutation testing of components/ against the unit layer (mutmut; slow, so not in `make test`):
# prints each package's score and the surviving mutants. MUTATE_ARGS: --only components/stages ...
MUTMUT := mutmut==3.8.1
mutate: dev-deps
	@$(VENV)/bin/pip show mutmut 2>/dev/null | grep -qx 'Version: 3.8.1' || $(VENV)/bin/pip install --quiet $(MUTMUT)
	$(PY) -m tests.mutation.mutate $(MUTATE_ARGS)

jars: dev-deps
	@tests/deps.sh jars

# Figures only, no assertions: the data path between namespaces vs Kafka's own perf tool, and how
# the program's evaluation grows with the size of a class.
bench: dev-deps jars
	$(PY) tests/bench/bench.py
	$(PY) tests/bench/bench_program.py
	$(PY) -m tests.bench.density
