"""What plugins share with the pipeline: the bounded queue from inputs to the worker, and the
chunks inputs push, which the worker marks done once every output has handled their events."""
from __future__ import annotations

import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Chunk:
    def __init__(self, events: list[dict[str, Any]]):
        self.events = events
        self.done = threading.Event()


class Queue:
    """Holds at most `capacity` events (a chunk is never split): a slow output slows the inputs,
    as Logstash's in-memory queue does."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.chunks: deque[Chunk] = deque()
        self.size = 0
        self.closed = False
        self.cond = threading.Condition()

    def put(self, chunk: Chunk) -> bool:
        with self.cond:
            while self.size >= self.capacity and not self.closed:
                self.cond.wait()
            if self.closed:
                return False
            self.chunks.append(chunk)
            self.size += len(chunk.events)
            self.cond.notify_all()
            return True

    def take(self, max_events: int, wait: float) -> list[Chunk]:
        """Whole chunks up to about max_events; waits up to `wait` seconds for the first."""
        with self.cond:
            if not self.chunks:
                self.cond.wait(wait)
            taken, count = [], 0
            while self.chunks and (not taken or count + len(self.chunks[0].events) <= max_events):
                chunk = self.chunks.popleft()
                taken.append(chunk)
                count += len(chunk.events)
            self.size -= count
            self.cond.notify_all()
            return taken

    def empty(self) -> bool:
        with self.cond:
            return not self.chunks

    def close(self) -> None:
        """Refuse further puts (the worker has died); waiting inputs return."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()


@dataclass
class Context:
    data_dir: Path
    queue: Queue
    stopping: threading.Event = field(default_factory=threading.Event)
    hostname: str = field(default_factory=socket.gethostname)

    def push(self, events: list[dict[str, Any]]) -> Chunk | None:
        """Queue events; None when the pipeline can no longer take them."""
        chunk = Chunk(events)
        return chunk if self.queue.put(chunk) else None
