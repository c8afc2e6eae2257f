"""What one Logstash costs per pipeline it runs: the figures a dense class is sized from.

    .venv/bin/python -m tests.bench.density [--counts 1,5,10] [--seconds 60]   (as root)

For each count N, N students' pipelines exactly as the stages render them (pipeline.id = the
student), in one Logstash per role on simulated hosts (network namespaces, a real broker with
each student's topic): the producers' generators at a lab rate, the consumers reading their own
topics. After every pipeline has started and run for --seconds, it prints per role the JVM's
resident memory and its heap in use (the lowest seen while sampling: what survives collections,
about the live set). Figures only; part of `make bench`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.stages import logstash as logstash_stage  # noqa: E402
from components.stages.kafka import bootstrap_servers  # noqa: E402
from components.stages.plan import Facts  # noqa: E402
from tests.integration.broker import Cluster  # noqa: E402
from tests.integration.flow import PIPELINE_STAGE  # noqa: E402
from tests.integration.jvm import rooted  # noqa: E402
from tests.integration.logstash import Logstash, install  # noqa: E402
from tests.settings import make  # noqa: E402

# A lab's rate: a few events a second per student.
EVENTS_PER_SECOND = 2
# One worker per pipeline: a student's few events a second need no more, and each worker holds
# its own batch (125 events) in flight.
WORKERS = 1
# Room enough that the heap in use is what the pipelines need, not what a limit squeezed them to.
HEAP_MB = 1024


def students(n: int) -> list[str]:
    return [f"s{i:02d}" for i in range(1, n + 1)]


def settings_for(n: int):
    return make({"students": students(n), "kafka": {"brokers": 1, "security": "plaintext"},
                 "producer": {"source": {"type": "generator", "eventsPerSecond": EVENTS_PER_SECOND}},
                 "consumer": {"sink": {"type": "stdout"}}})


def pipelines_yml(folder: Path, names: list[str]) -> str:
    return "".join(f"- pipeline.id: {name}\n  path.config: \"{folder}/{name}.conf\"\n  pipeline.workers: {WORKERS}\n"
                   for name in names)


def start(cluster: Cluster, home: Path, role: str, settings, names: list[str]) -> Logstash:
    root = cluster.hosts[role].root
    folder = rooted(root, logstash_stage.CONFIG_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        facts = Facts(role=role, bootstrap=bootstrap_servers((cluster.net.ip["broker"],)), student=name)
        (folder / f"{name}.conf").write_text(PIPELINE_STAGE[role].plan(settings, facts).files[0].content)
    process = Logstash(cluster.net, home, root, role, "", heap_mb=HEAP_MB,
                       pipelines_yml=pipelines_yml(folder, names))
    return process.start()


def sample(cluster: Cluster, process: Logstash) -> tuple[int, int, int]:
    """(resident KiB of the JVM, heap used bytes, pipelines running) now."""
    pid = process.proc.pid   # ip netns exec, setpriv, env and bin/logstash each exec the next: java
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    asked = cluster.net.run(process.host, ["curl", "-fsS", f"http://127.0.0.1:{logstash_stage.API_PORT}/_node/stats"],
                            timeout=30)
    stats = json.loads(asked.stdout)
    return rss, stats["jvm"]["mem"]["heap_used_in_bytes"], len(stats.get("pipelines") or {})


def measure(home: Path, n: int, seconds: float) -> dict[str, tuple[int, int]]:
    settings = settings_for(n)
    cluster = Cluster(settings, tag="lsd", subnet="10.213.9")
    running: list[Logstash] = []
    try:
        cluster.start()
        cluster.broker.create_topics()
        names = students(n)
        for role in ("consumer", "producer"):
            running.append(start(cluster, home, role, settings, names))
        for process in running:
            for name in names:
                process.wait_started(name, timeout=600)
        # Per role: the highest RSS and the lowest heap in use seen.
        deadline, figures = time.monotonic() + seconds, {}
        while time.monotonic() < deadline:
            for process in running:
                rss, heap, count = sample(cluster, process)
                assert count == n, f"{process.host}: {count} pipelines running, not {n}"
                top_rss, low_heap = figures.get(process.host, (0, heap))
                figures[process.host] = (max(top_rss, rss), min(low_heap, heap))
            time.sleep(2)
        return figures
    finally:
        for process in running:
            process.kill()
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--counts", default="1,5,10")
    p.add_argument("--seconds", type=float, default=60)
    args = p.parse_args(argv)
    home = install()
    print(f"Logstash per pipeline count (pipeline.workers {WORKERS}, batch 125, {EVENTS_PER_SECOND} events/s each, "
          f"heap limit {HEAP_MB} MiB; RSS the highest, heap in use the lowest over {args.seconds:.0f} s):")
    print(f"  {'pipelines':>9}  {'producer RSS':>12}  {'producer heap':>13}  {'consumer RSS':>12}  {'consumer heap':>13}")
    for n in (int(c) for c in args.counts.split(",")):
        figures = measure(home, n, args.seconds)
        (p_rss, p_heap), (c_rss, c_heap) = figures["producer"], figures["consumer"]
        print(f"  {n:>9}  {p_rss / 1024:>9.0f} MiB  {p_heap / 2**20:>10.0f} MiB  {c_rss / 1024:>9.0f} MiB  "
              f"{c_heap / 2**20:>10.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
