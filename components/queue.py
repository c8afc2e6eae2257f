"""What a pipeline's clients are given: a queue, wherever it runs. The producer and consumer know
its bootstrap servers through a Pulumi output, never a broker's address by hand, and never which
kind of queue it is."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Queue:
    bootstrap_servers: pulumi.Output[str]
