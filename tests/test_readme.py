"""The README's configuration examples, applied in order to a fresh `dev` stack with the real CLI
through scripts/pulumi.sh, make a stack whose config is valid: the README cannot drift from the
contract."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.settings import make
from tests.rehearsal.workspace import ROOT, Workspace

# Needs no broker and no root, so it runs in `make unit`; `make mutate` leaves it out (a CLI per command).
pytestmark = pytest.mark.cli

COMMAND = re.compile(r"^(scripts/pulumi\.sh config (?:set|rm) .*?)(?:\s+#.*)?$")


def readme_config_commands(text: str) -> list[str]:
    """Every `scripts/pulumi.sh config set|rm` line of the README's sh blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [m.group(1) for block in blocks for line in block.splitlines() if (m := COMMAND.match(line.strip()))]


def test_the_readme_shows_config_examples():
    commands = readme_config_commands((ROOT / "README.md").read_text())
    assert len(commands) >= 8 and all(c.startswith("scripts/pulumi.sh config set") for c in commands)


def test_every_readme_config_example_applies_to_a_fresh_dev_stack(tmp_path: Path):
    ws = Workspace("dev", tmp_path / "readme", template="dev").create()
    for command in readme_config_commands((ROOT / "README.md").read_text()):
        ws.script(*shlex.split(command)[1:])
    stored = json.loads(ws.script("config", "--json", "--show-secrets").stdout)
    raw = {key.split(":", 1)[1]: entry.get("objectValue", entry["value"])
           for key, entry in stored.items() if key.startswith("kafka-pipeline:")}
    settings = make(raw, stack="dev", region=stored["aws:region"]["value"], detect_ip=lambda: "203.0.113.9",
                    with_ssh=False)
    assert settings.kafka.topics[0].partitions == 3 and settings.ttl_hours == 8
    assert settings.consumer.sink.type == "opensearch" and settings.producer.source.type == "http_poller"
