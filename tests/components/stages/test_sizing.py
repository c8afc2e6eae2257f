"""Heaps held against the memory of the instance types that carry them: refused as a config error
that names the key, the value, the limit and the instance type, before anything exists."""
from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.stages import kafka, logstash, sizing

MEMORY = {"t4g.small": 2048, "t3.large": 8192}


def check(make_settings, raw: dict) -> None:
    sizing.check_heaps(make_settings(raw), MEMORY.__getitem__)


def test_a_broker_heap_one_above_its_limit_is_refused_in_full(make_settings):
    limit = kafka.max_heap_mb(2048)
    with pytest.raises(ConfigError) as refused:
        check(make_settings, {"kafka": {"instanceType": "t4g.small", "heapMb": limit + 1}})
    assert str(refused.value) == (
        f"invalid config kafka.heapMb = {limit + 1}: at most {limit} on a t4g.small (kafka.instanceType, 2048 MiB): "
        "the rest is the OS's; lower it or choose a bigger kafka.instanceType")


def test_heaps_at_their_limits_pass(make_settings):
    check(make_settings, {"kafka": {"instanceType": "t4g.small", "heapMb": kafka.max_heap_mb(2048)},
                          "logstash": {"heapMb": logstash.max_heap_mb(2048)},
                          "producer": {"instanceType": "t4g.small"}, "consumer": {"instanceType": "t4g.small"}})


@pytest.mark.parametrize("role", ["producer", "consumer"])
def test_the_logstash_heap_is_held_against_each_logstash_host_and_names_the_small_one(make_settings, role):
    other = "consumer" if role == "producer" else "producer"
    limit = logstash.max_heap_mb(2048)
    with pytest.raises(ConfigError) as refused:
        check(make_settings, {"logstash": {"heapMb": limit + 1}, role: {"instanceType": "t4g.small"},
                              other: {"instanceType": "t3.large"}})
    assert str(refused.value) == (
        f"invalid config logstash.heapMb = {limit + 1}: at most {limit} on a t4g.small ({role}.instanceType, "
        f"2048 MiB): the rest is the OS's and the config check; lower it or choose a bigger {role}.instanceType")


def test_heaps_left_to_the_stages_are_never_refused_nor_their_memory_asked(make_settings):
    # Unset, each stage sizes its heap from the host's memory; on AWS each answer would be a call.
    def asked(kind: str) -> int:
        raise AssertionError(f"memory of {kind} asked for no heap")
    sizing.check_heaps(make_settings({"kafka": {"instanceType": "t4g.small"}}), asked)
