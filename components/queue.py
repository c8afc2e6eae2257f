"""What a pipeline's clients are given: a queue, wherever it runs. The producer and consumer know
its bootstrap servers through a Pulumi output, never a broker's address by hand, and never which
kind of queue it is."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi

from components.errors import Secret
from components.stages.plan import Facts


@dataclass(frozen=True)
class Queue:
    bootstrap_servers: pulumi.Output[str]
    # kafka.security sasl_ssl: the CA certificate clients trust (none: the JVM's own CAs) and, on
    # our brokers, the secret seed of their logins (a Kafka the user runs has its logins in config).
    ca_certificate: pulumi.Output[str] | None = None
    login_seed: pulumi.Output[str] | None = None
    # What a client's pipeline waits for: with sasl_ssl, the stage that makes the logins. Logstash's
    # kafka output drops, not retries, what the broker refuses for a login or grant not made yet.
    ready: Sequence[pulumi.Resource] = ()
    # For a queue whose brokers we do not run (Amazon MSK): the stages one pipeline host runs first,
    # with Kafka's own tools, to make its topics and grants (kafka_client, topics, grants).
    admin_stages: tuple[str, ...] = ()

    def administered(self, done: pulumi.Resource) -> "Queue":
        """The queue as every later pipeline sees it once a host ran its admin stages (`done`, the
        last): nothing left to administer, and `done` to wait for."""
        return dataclasses.replace(self, admin_stages=(), ready=(*self.ready, done))

    def facts(self, build: Callable[[str, str, Secret | None], Facts]) -> pulumi.Output[Facts]:
        """A client host's facts from what the queue tells it: build(bootstrap, ca, seed)."""
        ca = self.ca_certificate if self.ca_certificate is not None else ""
        seed = self.login_seed if self.login_seed is not None else ""
        return pulumi.Output.all(self.bootstrap_servers, ca, seed).apply(
            lambda v: build(v[0], v[1], Secret(v[2]) if v[2] else None))
