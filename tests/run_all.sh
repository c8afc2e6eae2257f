#!/usr/bin/env bash
# make test: every layer, in two pytest processes side by side, about equally long. CI has 50
# minutes; one after the other the layers take about an hour, and much of a rehearsal is waiting
# on hosts (boots, a TTL timer, Logstash starting). One process runs the longest rehearsal, one
# broker through a day (with the short local-host tests before it, the operator scripts' after it);
# the other runs everything else, the class rehearsal among it. The first one's report follows the
# second's; either failing fails.
#   tests/run_all.sh [pytest options for both...]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
py=.venv/bin/python
day=(tests/rehearsal/test_machine.py tests/rehearsal/test_one_broker.py)
# What the other side ran after its class rehearsal (about a minute alone, two on loaded cores): that
# side is the longer one, and moving its last tests leaves its rehearsal's start where it was.
after_day=(tests/rehearsal/test_workspace.py tests/scripts tests/test_layers.py tests/test_main.py tests/test_readme.py
           tests/test_readme_code.py)
mkdir -p .build
log=.build/one-broker.log
"$py" -m pytest -p no:cacheprovider --durations=10 "$@" "${day[@]}" "${after_day[@]}" >"$log" 2>&1 &
first=$!
# Interrupted, the rehearsal still destroys what it made (its own SIGINT handling).
trap 'kill -INT "$first" 2>/dev/null; wait "$first"; exit 130' INT TERM
"$py" -m pytest --durations=15 "${day[@]/#/--ignore=}" "${after_day[@]/#/--ignore=}" "$@"
rest=$?
echo "==> everything else: exit $rest; waiting for the one-broker rehearsal (following $log)"
wait "$first"
day_exit=$?
echo "==> the one-broker rehearsal and the local-host tests: exit $day_exit"
cat "$log"
((rest == 0)) && exit "$day_exit"
exit "$rest"
