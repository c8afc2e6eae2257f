from __future__ import annotations

from typing import Any

import pytest

from components.settings import Settings, parse


def settings_with(producer_source: dict[str, Any] | None = None,
                  consumer_sink: dict[str, Any] | None = None) -> Settings:
    raw: dict[str, Any] = {"sshCidrs": ["203.0.113.7/32"]}
    if producer_source is not None:
        raw["producer"] = {"source": producer_source}
    if consumer_sink is not None:
        raw["consumer"] = {"sink": consumer_sink}
    return parse(raw, stack="dev", region="ap-northeast-2")


@pytest.fixture
def make_settings():
    return settings_with
