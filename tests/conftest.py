import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import settings  # noqa: E402


@pytest.fixture
def make_settings():
    """make_settings(raw=None, stack="dev", ...) -> Settings: the one way tests make settings."""
    return settings.make


@pytest.fixture(autouse=True)
def bundles_in_a_temporary_folder(tmp_path, monkeypatch):
    """Stage bundles a test makes go to its own folder, never the checkout's .build/."""
    monkeypatch.setenv("KAFKA_PIPELINE_BUILD_DIR", str(tmp_path / "build"))


@pytest.fixture
def dev(monkeypatch):
    """The program evaluated under mocks as the dev stack (aws, one pipeline)."""
    from tests.program import DEV, run
    return run(DEV, monkeypatch=monkeypatch)


@pytest.fixture
def plain(monkeypatch):
    """The dev stack with kafka.security plaintext: the tutorial's shape, no logins, no TLS."""
    from tests.program import DEV, run
    return run({**DEV, "kafka": {"security": "plaintext"}}, monkeypatch=monkeypatch)
