"""Where a rehearsal's time goes: every stage run on every host, from the moment `up` began, and
the chain that held the first event back (the host whose stages ended last before it)."""
from __future__ import annotations

from tests.rehearsal.hosts import Remote


def stage_runs(remotes: dict[str, Remote], began_epoch: float) -> dict[str, list[tuple[str, float, float]]]:
    """host -> [(stage, start, end)] in seconds after `up` began, first runs only."""
    runs = {}
    for name, remote in remotes.items():
        seen, first = set(), []
        for stage, start, end in remote.stage_runs():
            if stage not in seen:
                seen.add(stage)
                first.append((stage, start - began_epoch, end - began_epoch))
        runs[name] = first
    return runs


def critical_chain(runs: dict[str, list[tuple[str, float, float]]]) -> tuple[str, list[tuple[str, float, float]]]:
    """The host whose stages finished last: the first event could not come before them."""
    host = max(runs, key=lambda h: max((end for _, _, end in runs[h]), default=0))
    return host, runs[host]


def render(runs: dict[str, list[tuple[str, float, float]]], first_event_s: float) -> list[str]:
    lines = []
    for host, stages in sorted(runs.items()):
        lines.append(f"  {host:<10}" + "  ".join(f"{s} {a:.0f}-{b:.0f}s" for s, a, b in stages))
    host, chain = critical_chain(runs)
    waited = chain[0][1] if chain else 0
    lines.append(f"  critical path: up -> {host}'s host ready at {waited:.0f}s -> "
                 + " -> ".join(f"{s} ({b - a:.0f}s)" for s, a, b in chain)
                 + f" -> first event at the consumer at {first_event_s:.0f}s")
    return lines
