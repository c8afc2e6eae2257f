"""How the Pulumi program itself scales: evaluate it under mocks for 1, 10 and 50 students and
print time and resources per student. Both should stay flat as the class grows (linear totals)."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# The stage bundles of these runs go to a scratch folder, not the checkout's .build/.
os.environ.setdefault("KAFKA_PIPELINE_BUILD_DIR", tempfile.mkdtemp(prefix="kp-bench-"))

import pulumi  # noqa: E402

from tests.program import run  # noqa: E402


class _Patch:
    """The tiny part of pytest's monkeypatch that tests.program.run needs."""

    def setattr(self, target, name, value):
        setattr(target, name, value)


def main(sizes=(1, 10, 50)) -> None:
    export = pulumi.export
    print(f"{'students':>8} {'resources':>10} {'seconds':>8} {'res/student':>12} {'ms/student':>11}")
    try:
        for n in sizes:
            students = [f"s{i:03d}" for i in range(n)]
            start = time.perf_counter()
            result = run({"sshCidrs": ["198.51.100.7/32"], "students": students}, stack="class", monkeypatch=_Patch())
            seconds = time.perf_counter() - start
            count = len(result.mocks.resources)
            print(f"{n:>8} {count:>10} {seconds:>8.2f} {count / n:>12.1f} {1000 * seconds / n:>11.1f}")
    finally:
        pulumi.export = export


if __name__ == "__main__":
    main()
