"""`make mutate`: mutation testing of components/ against the unit layer, with mutmut, in a copy of
the checkout (mutmut rewrites the code it mutates into a mutants/ folder beside it, so the checkout
stays as it is). Prints, per package, how many mutants the unit tests killed; mutants listed in
equivalent.txt (a change no test can see, each with its reason) are counted apart.

    .venv/bin/python -m tests.mutation.mutate [--only components/stages] [--children 2] [--fresh] [--survivors]

Slow (each mutant runs the unit tests that reach the mutated function), so not in `make test`.
A second run reuses the first's results for functions that did not change."""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = Path("/var/tmp/kafka-pipeline-mutate")
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
# The packages the issue sets a goal for, and the goal.
PACKAGES = ("components/settings", "components/stages", "components/logstash", "components/host.py")
GOAL = 0.85
# mutmut's exit codes (mutmut/stats.py, 3.8.1): what a mutant's test run ended as.
KILLED, SURVIVED = {1, 3}, {0}
TIMEOUT = {24, -24, 36, 152, 255}

SETUP = """[mutmut]
source_paths=components
only_mutate=
{only}
also_copy=
    __main__.py
    Pulumi.yaml
    pytest.ini
    Makefile
    README.md
    requirements.txt
    requirements-dev.txt
    .ci
    docs
    scripts
    stacks
pytest_add_cli_args_test_selection=
    tests
pytest_add_cli_args=
    -m
    not integration and not cli
    -p
    no:cacheprovider
# A mutant that loops forever (the reader's skip() not advancing) is stopped after
# 2 * (its tests' time + 1 s) * this many CPU seconds: mutmut's default, 15, let each of those
# take twenty minutes; a real test run here is never four times slower than its estimate.
timeout_multiplier=2
# The program's tests start Pulumi's gRPC machinery, which does not survive a fork from a
# process that has run them.
process_isolation=forkserver
"""


@dataclass
class Score:
    killed: int = 0
    survived: int = 0
    equivalent: int = 0
    timeout: int = 0
    other: int = 0

    @property
    def counted(self) -> int:
        return self.killed + self.survived + self.timeout

    @property
    def ratio(self) -> float:
        # A timeout is a mutant the tests noticed (they could not finish): counted as killed, as
        # mutmut's own summary does.
        return (self.killed + self.timeout) / self.counted if self.counted else 1.0


def equivalents() -> dict[str, str]:
    found = {}
    for line in EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            found[name] = reason.strip()
    return found


def package_of(mutant: str) -> str:
    """components.stages.kafka.x_plan__mutmut_3 -> components/stages (or components/host.py)."""
    parts = mutant.split(".")
    if parts[1] == "host":
        return "components/host.py"
    return "/".join(parts[:2])


def scores(results: dict[str, int | None], known: dict[str, str]) -> tuple[dict[str, Score], list[str]]:
    by_package: dict[str, Score] = {}
    survivors = []
    for mutant, code in sorted(results.items()):
        score = by_package.setdefault(package_of(mutant), Score())
        if mutant in known:
            score.equivalent += 1
        elif code in KILLED:
            score.killed += 1
        elif code in SURVIVED:
            score.survived += 1
            survivors.append(mutant)
        elif code in TIMEOUT:
            score.timeout += 1
        else:
            score.other += 1
    return by_package, survivors


def stale(results: dict[str, int | None], known: dict[str, str]) -> list[str]:
    """Listed equivalents the tests kill, or mutmut no longer makes: a change to a function renumbers
    its mutants, so its entries now name other mutants and must be read again."""
    mutated = {package_of(m) for m in results}   # a run --only one package knows no other's mutants
    return sorted(name for name in known if package_of(name) in mutated
                  and (name not in results or results[name] in KILLED | TIMEOUT))


def read_results(mutants: Path) -> dict[str, int | None]:
    results: dict[str, int | None] = {}
    for meta in mutants.rglob("*.py.meta"):
        results.update(json.loads(meta.read_text())["exit_code_by_key"])
    return results


def prepare(work: Path, only: list[str], fresh: bool) -> None:
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    # The tracked files as they are in the checkout now (edits included), over the last copy:
    # mutmut re-tests only the functions whose code changed.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    # mutmut 3.8.1 records which tests reach which function only for tests it has not seen: an old
    # test that reaches a new function (a helper split out of one it called) is left unmapped, and
    # that function's mutants then survive untested. Its stats are collected afresh every run.
    (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    globs = [f"{p}/*" if not p.endswith(".py") else p for p in only]
    (work / "setup.cfg").write_text(SETUP.format(only="\n".join(f"    {g}" for g in globs)))
    venv = work / ".venv"
    if not venv.exists():
        venv.symlink_to(ROOT / ".venv")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.mutation.mutate", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", action="append", help="a package or module to mutate (default: the four with a goal)")
    p.add_argument("--children", type=int, default=2, help="mutants tested at once")
    p.add_argument("--fresh", action="store_true", help="forget earlier results")
    p.add_argument("--survivors", action="store_true",
                   help="test again only the mutants that survived or no test reached last time (after adding tests)")
    args = p.parse_args(argv)
    only = args.only or list(PACKAGES)
    work = WORK
    prepare(work, only, args.fresh)
    mutmut = ROOT / ".venv" / "bin" / "mutmut"
    # mutmut re-tests a function whose code changed, not one whose tests did: after new tests,
    # --survivors runs the last survivors again against them.
    # So do the mutants no test reached then (mutmut's 33).
    again = ([m for m, code in read_results(work / "mutants").items() if code not in KILLED | TIMEOUT]
             if args.survivors else [])
    run = subprocess.run([str(mutmut), "run", "--max-children", str(args.children), *again], cwd=work)
    if run.returncode != 0:
        print(f"mutate: mutmut stopped ({run.returncode}); its output is above", file=sys.stderr)
        return run.returncode
    results, known = read_results(work / "mutants"), equivalents()
    by_package, survivors = scores(results, known)
    print("\nmutation score per package (killed or timed out / tested; equivalents apart):")
    for package, s in sorted(by_package.items()):
        mark = "meets" if s.ratio >= GOAL else "below"
        print(f"  {package:<22} {s.ratio:6.1%}  killed {s.killed}, timed out {s.timeout}, survived {s.survived}, "
              f"equivalent {s.equivalent}, not run {s.other}  ({mark} the {GOAL:.0%} goal)")
    if survivors:
        print(f"\n{len(survivors)} surviving mutants (see one: cd {work} && .venv/bin/mutmut show NAME):")
        for name in survivors:
            print(f"  {name}")
    outdated = stale(results, known)
    if outdated:
        print(f"\n{len(outdated)} listed equivalents are killed or gone (renumbered: read {EQUIVALENT.name} again):")
        for name in outdated:
            print(f"  {name}")
    counts = Counter(package_of(m) for m in survivors)
    return 0 if all(by_package[p].ratio >= GOAL for p in by_package) and not counts and not outdated else 1


if __name__ == "__main__":
    sys.exit(main())
