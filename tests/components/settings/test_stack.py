"""What the program says when the stack's config is refused: the error, that nothing was created,
and how to fix it."""
from __future__ import annotations

import pulumi
import pytest

from components.errors import ConfigError
from components.settings.stack import checked, refusal


def test_a_refusal_names_the_error_and_says_nothing_was_created_and_how_to_fix_it():
    error = refusal(ConfigError("kafka.heapMb", 9000, "at most 1024"))
    assert isinstance(error, pulumi.RunError)
    assert str(error) == ("invalid config kafka.heapMb = 9000: at most 1024\nNothing was created. Fix the value with "
                          "`scripts/pulumi.sh config set` (every key: docs/CONFIG.md) and run again.")


def test_a_check_that_needs_more_than_the_config_refuses_as_any_config_error():
    def too_big():
        raise ConfigError("logstash.heapMb", 4096, "at most 1150 on a t4g.small")

    with pytest.raises(pulumi.RunError) as caught:
        checked(too_big)
    assert str(caught.value).startswith("invalid config logstash.heapMb = 4096: at most 1150 on a t4g.small\n")
    checked(lambda: None)
