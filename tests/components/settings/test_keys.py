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


# What the user reads for a typo in the keys that check their own shape.
@pytest.mark.parametrize("raw, message", [
    ({"ttlHours": 0.25}, "invalid config ttlHours = 0.25: 0 (never stop) or at least 0.5: the hosts would stop "
                         "themselves before a deployment finishes"),
    ({"kafka": {"instanceType": "t3 medium"}},
     "invalid config kafka.instanceType = 't3 medium': expected an EC2 instance type such as t3.medium or t4g.small"),
    ({"kafka": {"sha512": "abc"}}, "invalid config kafka.sha512 = 'abc': expected 128 hex digits: the SHA-512 of the archive "
                                   "the mirror serves"),
    ({"students": ["ana", "Ben"]}, "invalid config students[1] = 'Ben': expected names of lowercase letters, digits and '-' "
                                   "(at most 32, not starting or ending with '-')"),
    ({"sshPublicKey": "AAAA"}, "invalid config sshPublicKey = 'AAAA': expected an OpenSSH public key line "
                               "(ssh-ed25519 AAAA... or ssh-rsa AAAA...)"),
])
def test_shape_refusals_in_full(raw, message):
    with pytest.raises(ConfigError) as error:
        keys.read("", raw, keys.KEYS)
    assert str(error.value) == message
