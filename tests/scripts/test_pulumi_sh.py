"""scripts/pulumi.sh's checks before the engine starts, run for real through a copy of the program."""
from __future__ import annotations

import pytest

from tests.rehearsal.workspace import Workspace

pytestmark = pytest.mark.integration

# Loopback's discard port: nothing listens there, so the connection is refused at once.
UNREACHABLE = "http://127.0.0.1:9/kafka"


def test_a_local_stack_whose_downloads_are_out_of_reach_is_stopped_before_the_engine_with_what_to_set(tmp_path):
    ws = Workspace("reach", tmp_path / "reach", config={"kafka": {"downloadUrl": UNREACHABLE}}).create()
    said = ws.script("preview", "reach", check=False)
    out = said.stdout + said.stderr
    assert said.returncode == 1, out
    assert f"The local hosts download kafka from {UNREACHABLE}, which this machine cannot reach" in out, out
    assert "scripts/pulumi.sh config set --path kafka.downloadUrl <url>" in out, out
    assert "Previewing" not in out, "the engine started"


def test_a_mirror_on_the_stacks_own_bridge_is_not_dialled_before_the_bridge_exists(tmp_path):
    # The rehearsal's mirror listens on the stack's gateway, which comes up with the stack's first up.
    subnet = "10.214.219.0/24"
    # https: this machine answers plain HTTP to any address through its egress proxy, never TLS.
    mirror = "https://10.214.219.1:9"
    ws = Workspace("bridged", tmp_path / "bridged", config={
        "local": {"subnet": subnet}, "kafka": {"downloadUrl": f"{mirror}/kafka"},
        "logstash": {"downloadUrl": f"{mirror}/logstash"}}).create()
    said = ws.script("preview", "bridged", check=False)
    out = said.stdout + said.stderr
    assert "which this machine cannot reach" not in out, out
    assert "Previewing" in out, out


def test_rotating_the_logins_of_a_stack_that_has_none_says_why_before_the_engine_runs(tmp_path):
    ws = Workspace("nologins", tmp_path / "nologins").create()
    ws.set("ttlHours", "4")   # the stack exists, with nothing deployed
    said = ws.script("rotate-logins", "nologins", check=False)
    out = said.stdout + said.stderr
    assert said.returncode == 1, out
    assert "The stack 'nologins' has no Kafka logins to rotate" in out and "make up STACK=nologins" in out, out
    assert "Updating" not in out, "the engine started"


def test_a_value_after_double_dash_is_set_whatever_its_first_character(tmp_path):
    # A URL-safe password may begin with a dash, and a PEM always does.
    ws = Workspace("dashes", tmp_path / "dashes").create()
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    ws.script("config", "set", "--path", "kafka.caCertificate", "--", pem)
    ws.script("config", "set", "--secret", "--path", "kafka.logins.producer.password", "--", "-starts-with-a-dash")
    assert ws.get("kafka.caCertificate") == pem
    assert ws.get("kafka.logins.producer.password") == "-starts-with-a-dash"
    assert "-starts-with-a-dash" not in (ws.folder / "stacks" / "Pulumi.dashes.yaml").read_text(), "set in plaintext"
