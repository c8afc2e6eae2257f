from __future__ import annotations

from typing import Any

import pytest

from components.settings import Settings
from tests.settings import make


def settings_with(producer_source: dict[str, Any] | None = None,
                  consumer_sink: dict[str, Any] | None = None) -> Settings:
    raw: dict[str, Any] = {}
    if producer_source is not None:
        raw["producer"] = {"source": producer_source}
    if consumer_sink is not None:
        raw["consumer"] = {"sink": consumer_sink}
    return make(raw)


@pytest.fixture
def plugin_settings():
    return settings_with
