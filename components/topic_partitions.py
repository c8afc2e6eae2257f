"""The topics' partition counts as a resource, so a preview can compare them with the last
deployment's: Kafka can add partitions to a topic but never take them away, and a lowered count
must stop the preview with the key to fix, not fail later on the broker."""
from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult


def shrunk(olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
    """A failure for every topic asked to have fewer partitions than it was deployed with."""
    before, after = olds.get("topics") or {}, news.get("topics") or {}
    failures = []
    for name, wanted in sorted(after.items()):
        had = before.get(name)
        if had and wanted["partitions"] < had["partitions"]:
            failures.append(CheckFailure("topics", (
                f"invalid config {wanted['key']} = {wanted['partitions']:g}: topic {name} has "
                f"{had['partitions']:g} partitions and Kafka cannot shrink a topic; keep {had['partitions']:g} "
                f"or more, or use a new topic name")))
    return failures


class TopicPartitionsProvider(ResourceProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, shrunk(olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="topics", outs=props)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("topics") != news.get("topics"), replaces=[])

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)


class TopicPartitions(Resource, module="kafka", name="TopicPartitions"):
    def __init__(self, name: str, topics: dict[str, dict[str, Any]], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TopicPartitionsProvider(), name, {"topics": topics}, opts)
