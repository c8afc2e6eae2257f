#!/usr/bin/env bash
# make test: every layer, in two pytest processes side by side. The rehearsals spend most of their
# time waiting on hosts (boots, reboots, a TTL timer, Logstash starting); the rest (the program
# under mocks, the real broker and Logstash in namespaces) is mostly CPU. One after the other they
# would outlast CI's 50 minutes. The rehearsals' report follows the rest's; either failing fails.
#   tests/run_all.sh [pytest options for both...]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
py=.venv/bin/python
mkdir -p .build
log=.build/rehearsals.log
"$py" -m pytest -m rehearsal -p no:cacheprovider --durations=10 "$@" >"$log" 2>&1 &
rehearsals=$!
# Interrupted, the rehearsals still destroy what they made (their own SIGINT handling).
trap 'kill -INT "$rehearsals" 2>/dev/null; wait "$rehearsals"; exit 130' INT TERM
"$py" -m pytest -m "not rehearsal" --durations=15 "$@"
rest=$?
echo "==> the rest: exit $rest; waiting for the rehearsals (following $log)"
wait "$rehearsals"
rehearsed=$?
echo "==> the rehearsals: exit $rehearsed"
cat "$log"
((rest == 0)) && exit "$rehearsed"
exit "$rest"
