"""Fixtures of the stand-in's tests: the tarball, built once per module, and unpacked installs."""
from pathlib import Path

import pytest

from components.stages import logstash as logstash_stage
from tests.rehearsal.logstash_standin.build import build
from tests.rehearsal.standin_harness import VERSION, unpack


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build(VERSION, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def home(archive, tmp_path_factory) -> Path:
    return unpack(archive, tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="module")
def pristine(archive, tmp_path_factory) -> Path:
    """A release no test installs plugins into."""
    return unpack(archive, tmp_path_factory.mktemp("pristine"))


@pytest.fixture(scope="module")
def settings_dir(tmp_path_factory) -> Path:
    """logstash.yml exactly as the logstash stage renders it."""
    path = tmp_path_factory.mktemp("etc-logstash")
    (path / "logstash.yml").write_text(logstash_stage.yaml_lines(logstash_stage.logstash_yml()))
    return path
