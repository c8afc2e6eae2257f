"""`python -m components.platform needs`: what scripts/pulumi.sh checks on this machine before a run,
asked of the registry instead of branching on platform names."""
from __future__ import annotations

import subprocess
import sys

import pytest

from components.platform import PLATFORMS
from tests.workspace_paths import ROOT


def needs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "components.platform", "needs", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("platform, expected", [("local", ["root", "downloads"]), ("aws", ["aws-credentials"]),
                                                ("", ["aws-credentials"])])
def test_each_platform_lists_its_needs_and_an_unset_one_is_the_default(platform, expected):
    said = needs(platform)
    assert said.returncode == 0 and said.stdout.split() == expected, said.stderr


def test_an_unknown_platform_needs_nothing_here_and_is_left_to_the_program_to_refuse():
    said = needs("gcp")
    assert said.returncode == 0 and said.stdout == "", said.stderr


def test_every_platform_in_the_registry_is_one_the_config_accepts(make_settings):
    for name in PLATFORMS:
        assert make_settings({"platform": name}).platform == name


def test_a_misspelt_platform_is_refused_naming_the_registry():
    from components.errors import ConfigError
    from tests.settings import make
    with pytest.raises(ConfigError) as refused:
        make({"platform": "loacl"})
    assert str(refused.value) == "invalid config platform = 'loacl': allowed: aws, local"
