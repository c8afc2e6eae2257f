"""scripts/smoke.py against the real broker: through the operator listener (localhost:9094 in the
broker's namespace, where an SSH tunnel would land), via `pulumi stack output`, and against brokers
that are not there (it must fail fast with one line, never hang)."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.integration import jars
from tests.integration.broker import env

pytestmark = pytest.mark.integration

SMOKE = str(jars.ROOT / "scripts" / "smoke.py")


def smoke(cluster, host, *args, path_env=None, timeout=60):
    e = env()
    if path_env:
        e["PATH"] = f"{path_env}:{e['PATH']}"
    began = time.monotonic()
    result = subprocess.run(cluster.net.cmd(host, [sys.executable, SMOKE, *args]), capture_output=True, text=True,
                            timeout=timeout, env=e, cwd=str(jars.ROOT))
    return result, time.monotonic() - began


def one_line(result):
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{result.stdout}\n{result.stderr}"
    return lines[0]


def test_smoke_round_trip_through_operator_listener(cluster, capsys):
    result, took = smoke(cluster, "broker", "--bootstrap", "localhost:9094", "--topic", "twitter", "--timeout", "30")
    line = one_line(result)
    with capsys.disabled():
        print(f"\n    [{cluster.settings.kafka.mode}] {line} (exit {result.returncode}, {took:.1f}s)")
    assert result.returncode == 0 and line.startswith("OK: canary "), result.stdout + result.stderr


def test_smoke_reads_bootstrap_and_topics_from_stack_outputs(cluster, tmp_path):
    fake = tmp_path / "pulumi"
    outputs = {"operatorBootstrap": "localhost:9094", "topics": json.dumps(["events", "twitter"])}
    fake.write_text("#!/bin/sh\n[ \"$1 $2\" = 'stack output' ] || exit 2\necho \"$@\" >> \"$(dirname \"$0\")/calls\"\n"
                    "case \"$3\" in\n"
                    + "".join(f"  {k}) echo '{v}' ;;\n" for k, v in outputs.items()) + "  *) exit 1 ;;\nesac\n")
    fake.chmod(0o755)
    result, _ = smoke(cluster, "broker", "--timeout", "30", path_env=str(tmp_path))
    line = one_line(result)
    assert result.returncode == 0, line
    # Every topic of the stack, each partition of each.
    assert "via localhost:9094 topic events partition@offset 0@" in line and "; topic twitter partition@offset 0@" in line
    assert "1@" in line and "2@" in line  # events has three partitions
    assert (tmp_path / "calls").read_text().splitlines() == ["stack output operatorBootstrap",
                                                             "stack output topics --json"]


@pytest.mark.parametrize("where", ["closed-port", "unused-address"])
def test_smoke_fails_fast_on_unreachable_broker(cluster, where, capsys):
    target = "127.0.0.1:1" if where == "closed-port" else f"{cluster.net.unused_ip}:9092"
    result, took = smoke(cluster, "producer", "--bootstrap", target, "--topic", "twitter", "--timeout", "5")
    line = one_line(result)
    with capsys.disabled():
        print(f"\n    [{cluster.settings.kafka.mode}] {target}: {line} (exit {result.returncode}, {took:.1f}s)")
    assert result.returncode == 1 and line.startswith("FAIL: "), line
    assert took < 5 + 10, f"took {took:.1f}s with --timeout 5"


def test_smoke_fails_on_missing_topic(cluster):
    result, took = smoke(cluster, "broker", "--bootstrap", "localhost:9094", "--topic", "no-such-topic",
                         "--timeout", "5")
    line = one_line(result)
    assert result.returncode == 1 and line.startswith("FAIL: "), line
    assert took < 15
