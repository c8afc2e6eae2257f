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


# A block preceded by `<!-- stack: NAME -->` shows another way to run the queue (a Kafka of your own,
# MSK): the blocks of one NAME are applied together to a fresh stack of their own, not to the one
# the other examples build up.
BLOCK = re.compile(r"(?:<!-- stack: ([a-z-]+) -->\s*)?```sh\n(.*?)```", re.S)


def readme_config_blocks(text: str) -> dict[str | None, list[str]]:
    """Every `scripts/pulumi.sh config set|rm` line of the README's sh blocks, in order, by the
    stack they build (None: the one most examples build up)."""
    found: dict[str | None, list[str]] = {}
    for stack, block in BLOCK.findall(text):
        found.setdefault(stack or None, []).extend(
            m.group(1) for line in block.splitlines() if (m := COMMAND.match(line.strip())))
    return found


def readme_config_commands(text: str) -> list[str]:
    return [c for commands in readme_config_blocks(text).values() for c in commands]


def test_the_readme_shows_config_examples():
    commands = readme_config_commands((ROOT / "README.md").read_text())
    assert len(commands) >= 8 and all(c.startswith("scripts/pulumi.sh config set") for c in commands)


def applied(tmp_path: Path, name: str, commands: list[str]):
    ws = Workspace("dev", tmp_path / name, template="dev").create()
    for command in commands:
        ws.script(*shlex.split(command)[1:])
    stored = json.loads(ws.script("config", "--json", "--show-secrets").stdout)
    raw = {key.split(":", 1)[1]: entry.get("objectValue", entry["value"])
           for key, entry in stored.items() if key.startswith("kafka-pipeline:")}
    return make(raw, stack="dev", region=stored["aws:region"]["value"], detect_ip=lambda: "203.0.113.9",
                with_ssh=False)


def test_every_readme_config_example_applies_to_a_fresh_dev_stack(tmp_path: Path):
    blocks = readme_config_blocks((ROOT / "README.md").read_text())
    settings = applied(tmp_path, "readme", blocks.pop(None))
    assert settings.kafka.topics[0].partitions == 3 and settings.ttl_hours == 8
    assert settings.consumer.sink.type == "opensearch" and settings.producer.source.type == "http_poller"
    assert sorted(blocks) == ["existing-kafka", "msk"]
    for name, commands in blocks.items():
        assert applied(tmp_path, name, commands).kafka.provider == name.split("-")[0]
