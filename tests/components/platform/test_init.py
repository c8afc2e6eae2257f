"""Heaps against the hosts' memory, under mocks and on both platforms: a heap the instance type
cannot hold is refused before anything is created, naming the key, the value and the limit; the
largest heap that fits deploys."""
from __future__ import annotations

import pulumi
import pytest

from components.platform import sizes
from components.stages import kafka, logstash
from tests.program import DEV, MEMORY, Mocks, run, stack_config

# The mocks' memory for the instance types the stacks default to.
BROKER_TYPE, LOGSTASH_TYPE = "t4g.small", "t4g.small"


def refused(config: dict, monkeypatch, stack: str = "dev", region: str | None = "ap-northeast-2") -> tuple[str, Mocks]:
    mocks = Mocks()
    with pytest.raises(pulumi.RunError) as error:
        run(config, stack=stack, region=region, monkeypatch=monkeypatch, mocks=mocks)
    return str(error.value), mocks


def test_a_broker_heap_beyond_its_instance_type_is_refused_before_anything_is_created(monkeypatch):
    limit = kafka.max_heap_mb(MEMORY[BROKER_TYPE])
    said, mocks = refused({**DEV, "kafka": {"instanceType": BROKER_TYPE, "heapMb": limit + 1}}, monkeypatch)
    assert f"invalid config kafka.heapMb = {limit + 1}:" in said, said
    assert f"at most {limit} on a {BROKER_TYPE} (kafka.instanceType" in said and "Nothing was created" in said
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]


def test_the_largest_broker_heap_that_fits_deploys(monkeypatch):
    limit = kafka.max_heap_mb(MEMORY[BROKER_TYPE])
    result = run({**DEV, "kafka": {"instanceType": BROKER_TYPE, "heapMb": limit}}, monkeypatch=monkeypatch)
    assert result.of_type("aws:ec2/instance:Instance")


@pytest.mark.parametrize("role", ["producer", "consumer"])
def test_a_logstash_heap_is_held_against_each_logstash_host(role, monkeypatch):
    # One host bigger than the other: the check names the one that cannot hold the heap.
    other = "consumer" if role == "producer" else "producer"
    limit = logstash.max_heap_mb(MEMORY[LOGSTASH_TYPE])
    config = {**DEV, "logstash": {"heapMb": limit + 1}, role: {"instanceType": LOGSTASH_TYPE},
              other: {"instanceType": "t3.large"}}
    said, _ = refused(config, monkeypatch)
    assert f"invalid config logstash.heapMb = {limit + 1}:" in said and f"({role}.instanceType" in said, said
    assert f"at most {limit} on a {LOGSTASH_TYPE}" in said


def test_the_local_platform_holds_heaps_against_the_same_sizes(monkeypatch):
    config, region = stack_config("local")
    kind = config.get("kafka", {}).get("instanceType") or BROKER_TYPE
    limit = kafka.max_heap_mb(sizes.memory_mib(kind))
    said, mocks = refused({**config, "kafka": {**config.get("kafka", {}), "heapMb": limit + 1}}, monkeypatch,
                          stack="local", region=region)
    assert f"invalid config kafka.heapMb = {limit + 1}: at most {limit}" in said, said
    assert not [r for r in mocks.resources if r.typ.startswith("pulumi-python:dynamic/local")]
