"""The README's "Adding a source" example, run as written: its module imports, its entry goes into
the registry, the config accepts and checks the new type, and its pipeline renders and reads back."""
from __future__ import annotations

import re
import types

import pytest

from components.errors import ConfigError
from components.logstash import pipelines
from components.logstash.sources import SOURCES
from tests.settings import make
from tests.workspace_paths import ROOT


def example() -> tuple[str, str, str]:
    """The python block of "Adding a source": the module's path, its code, and the registry line."""
    section = (ROOT / "README.md").read_text().split("### Adding a source", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    module_part, registry_part = block.split("# components/logstash/sources/__init__.py\n")
    path, code = module_part.split("\n", 1)
    return path.removeprefix("# ").strip(), code, registry_part.strip()


def test_the_example_names_a_source_module_and_one_registry_entry():
    path, _, entry = example()
    assert path == "components/logstash/sources/heartbeat.py"
    assert entry == 'SOURCES = {..., "heartbeat": heartbeat}'


@pytest.fixture
def heartbeat(monkeypatch):
    module = types.ModuleType("components.logstash.sources.heartbeat")
    exec(compile(example()[1], "README.md: heartbeat.py", "exec"), module.__dict__)
    monkeypatch.setitem(SOURCES, "heartbeat", module)  # the one registry entry
    return module


def test_the_example_source_is_accepted_checked_and_rendered(heartbeat):
    settings = make({"producer": {"source": {"type": "heartbeat", "interval": 5}}})
    assert settings.producer.source.options == {"interval": 5, "message": "ok"}
    text = pipelines.producer(settings.producer.source, "10.0.0.5:9092", "twitter", "all", "lz4").text()
    assert re.search(r'heartbeat \{\s*interval => 5\s*message => "ok"\s*\}', text), text
    with pytest.raises(ConfigError, match=r"producer\.source\.interval = 0"):
        make({"producer": {"source": {"type": "heartbeat", "interval": 0}}})
