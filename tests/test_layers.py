"""The program's modules form layers that only point down, with no circle: each layer imports only
the layers below it. Read from the code's own imports, so a new upward import fails here."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.workspace_paths import ROOT

# Bottom to top. A module belongs to the first entry its dotted name starts with.
LAYERS = (
    ("components.errors", "components.releases", "components.oses"),
    ("components.checks",),
    ("components.schema",),
    ("components.settings",),
    ("components.logstash",),
    ("components.stages",),
    ("components.tags", "components.cost", "components.quotas", "components.egress", "components.operator",
     "components.topic_partitions"),
    ("components.platform",),
    ("components.host", "components.queue", "components.kafka_authority"),
    ("components.logstash_host", "components.kafka_server", "components.msk_cluster"),
    ("components.logstash_producer", "components.logstash_consumer", "components.queues"),
    ("components.registries",),
    ("__main__",),
)


def modules() -> dict[str, Path]:
    found = {"__main__": ROOT / "__main__.py"}
    for path in (ROOT / "components").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The program's modules `path` imports (`from a import b` is a.b when that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                      for a in node.names}
    return {m for m in found if m in known}


def layer(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return i
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py: place it")


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports(p, set(known)) - {m} for m, p in known.items()}


def test_every_module_has_a_layer():
    for module in modules():
        layer(module)


def test_no_import_points_up():
    upward = [f"{m} -> {i}" for m, targets in graph().items() for i in targets if layer(i) > layer(m)]
    assert upward == []


def test_no_circle():
    edges = graph()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                raise AssertionError("circle: " + " -> ".join(path[path.index(target):] + [module, target]))
            if target not in state:
                visit(target, path + [module])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [])


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The test itself can fail: an upward import in a low layer is reported."""
    fake = tmp_path / "checks.py"
    fake.write_text("from components.settings import parse\n")
    found = imports(fake, set(modules()))
    assert found and all(layer(m) > layer("components.checks") for m in found)


def test_nothing_outside_tests_reaches_into_tests():
    """The program and the operator's tools stand on their own: no module imports tests, and no
    script runs or reads anything under tests/."""
    reaching = []
    for path in [ROOT / "__main__.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "scripts").rglob("*")]:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_text()
        if path.suffix == ".py":
            names = {a.name for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ImportFrom) and n.module}
            reaching += [f"{path.relative_to(ROOT)} imports {m}" for m in sorted(names) if m.split(".")[0] == "tests"]
        else:
            # A comment may name a test; a command may not run one.
            reaching += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in text.splitlines()
                         if not line.lstrip().startswith("#")
                         and re.search(r"(-m\s+|\bimport\s+|\bfrom\s+)tests\b|(^|[\s\"'=(])(\./)?tests/", line)]
    assert reaching == []
