"""The keys are declared once (components/settings/keys.py): the documented contract lists exactly
those keys, and reading raw config follows the declaration."""
from __future__ import annotations

import re

import pytest

from components.errors import ConfigError
from components.settings import keys
from tests.workspace_paths import ROOT

DOCUMENTED = re.compile(r"^\| `([A-Za-z][A-Za-z0-9.:]*)`(?:, `([A-Za-z][A-Za-z0-9.:]*)`)? \|", re.M)


def documented_keys() -> set[str]:
    text = (ROOT / "docs" / "CONFIG.md").read_text()
    return {k for match in DOCUMENTED.findall(text) for k in match if k} - {"aws:region"}


def test_docs_config_lists_exactly_the_declared_keys():
    declared = set(keys.paths())
    assert documented_keys() == declared, (
        f"only in docs/CONFIG.md: {sorted(documented_keys() - declared)}; "
        f"only declared: {sorted(declared - documented_keys())}")


def test_reading_fills_defaults_and_checks_each_key():
    values = keys.read("", {"kafka": {"brokers": "3"}}, keys.KEYS)
    assert values["kafka"]["brokers"] == 3 and values["kafka"]["mode"] == "kraft"
    assert values["ttlHours"] == 4 and values["producer"]["acks"] == "all"
    with pytest.raises(ConfigError) as error:
        keys.read("", {"kafka": {"brokers": 2}}, keys.KEYS)
    assert error.value.path == "kafka.brokers"


def test_every_declared_key_says_what_it_means():
    def options(tree):
        for spec in tree.values():
            yield from options(spec) if isinstance(spec, dict) else [spec]
    assert all(option.doc for option in options(keys.KEYS))
