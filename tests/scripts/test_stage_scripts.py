"""The shell side of a stage, run for real: apply.sh places files only when they differ and
re-runs converge; lib.sh verifies downloads and unpacks once. No systemd or network needed."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from components.stages.plan import SCRIPTS as SCRIPTS_DIR, File, Plan

STAGE = """# shellcheck shell=bash
stage_main() {
  log "changed: $(tr '\\n' ' ' < "$CHANGED_LIST")"
  echo "GREETING=$GREETING"
}
"""


@pytest.fixture(autouse=True)
def as_root():
    assert os.geteuid() == 0, "these tests place root-owned files: run them as root (CI does)"


def bundle(tmp_path: Path, plan: Plan, script: str = STAGE) -> Path:
    folder = tmp_path / "kp-test"
    # Stage runs are recorded in the test's folder, not in this machine's /var/log.
    plan = Plan(stage=plan.stage, files=plan.files, env={"STAGE_LOG": str(tmp_path / "stages.log"), **plan.env},
                secrets=plan.secrets)
    for name, content in {**plan.bundle(), "stage.sh": script}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
    return folder


def apply(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(folder / "apply.sh")], capture_output=True, text=True, timeout=60)


def test_files_are_placed_once_and_restored_when_changed(tmp_path):
    target = tmp_path / "etc" / "app.conf"
    plan = Plan(stage="java", files=(File(str(target), "a=1\n", "0640", "root:root"),), env={"GREETING": "hi there"})
    folder = bundle(tmp_path, plan)

    first = apply(folder)
    assert first.returncode == 0, first.stderr
    assert target.read_text() == "a=1\n" and oct(target.stat().st_mode & 0o777) == "0o640"
    assert f"changed: {target}" in first.stderr and "GREETING=hi there" in first.stdout

    again = apply(folder)
    assert again.returncode == 0 and f"placed {target}" not in again.stderr
    assert "changed: \n" in again.stderr

    target.write_text("a=2\n")
    target.chmod(0o644)
    restored = apply(folder)
    assert f"placed {target}" in restored.stderr and target.read_text() == "a=1\n"


def test_a_failing_stage_fails_the_apply(tmp_path):
    folder = bundle(tmp_path, Plan(stage="java"), "stage_main() { false; }\n")
    assert apply(folder).returncode != 0


def lib(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    script = tmp_path / "t.sh"
    lib_sh = Path(__file__).resolve().parents[2] / "scripts" / "stages" / "lib.sh"
    script.write_text(f"set -euo pipefail\n. {lib_sh}\n{body}\n")
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)


def release(tmp_path: Path) -> tuple[Path, str]:
    src = tmp_path / "kafka_2.13-9.9.9"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "tool.sh").write_text("echo tool\n")
    archive = tmp_path / "kafka_2.13-9.9.9.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname=src.name)
    return archive, hashlib.sha512(archive.read_bytes()).hexdigest()


def test_download_is_kept_only_when_the_sha512_matches(tmp_path):
    archive, sha = release(tmp_path)
    dest = tmp_path / "cache" / "k.tgz"
    dest.parent.mkdir()
    bad = lib(tmp_path, f"download_verified file://{archive} {'0' * 128} {dest}")
    assert bad.returncode != 0 and "checksum mismatch" in bad.stderr and not dest.exists()
    good = lib(tmp_path, f"download_verified file://{archive} {sha} {dest}")
    assert good.returncode == 0 and dest.read_bytes() == archive.read_bytes()
    archive.unlink()  # a second run must not download again
    assert lib(tmp_path, f"download_verified file://{archive} {sha} {dest}").returncode == 0


def test_unpack_once_and_link(tmp_path):
    archive, _ = release(tmp_path)
    opt = tmp_path / "opt"
    body = f"unpack_once {archive} {opt}/kafka-9.9.9; ensure_link {opt}/kafka-9.9.9 {opt}/kafka"
    assert lib(tmp_path, body).returncode == 0
    assert (opt / "kafka" / "bin" / "tool.sh").read_text() == "echo tool\n"
    (opt / "kafka-9.9.9" / "bin" / "tool.sh").write_text("kept\n")
    assert lib(tmp_path, body).returncode == 0
    assert (opt / "kafka" / "bin" / "tool.sh").read_text() == "kept\n"  # not unpacked twice


def test_each_finished_run_records_its_stage_start_and_end(tmp_path):
    plan = Plan(stage="java", env={"GREETING": "hi"})
    folder = bundle(tmp_path, plan)
    assert apply(folder).returncode == 0 and apply(folder).returncode == 0
    runs = [line.split() for line in (tmp_path / "stages.log").read_text().splitlines()]
    assert [r[0] for r in runs] == ["java", "java"]
    assert all(float(start) <= float(end) for _, start, end in runs)


def test_a_secret_file_is_never_readable_by_others_and_replaced_only_when_it_changes(tmp_path):
    target = tmp_path / "secret.env"
    write = ('tmp=$(secret_tmp "$T" 0640 root:root); stat -c "%a %U" "$tmp" >&2; printf "$V" >"$tmp"; '
             'secret_commit "$tmp" "$T" "a test secret"')
    first = subprocess.run(["bash", "-c", f"set -euo pipefail; . {SCRIPTS_DIR / 'lib.sh'}; {write}"],
                           env={"PATH": "/usr/bin:/bin", "T": str(target), "V": "s3cret"},
                           capture_output=True, text=True, timeout=30)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[0] == "640 root", "the temporary file had its mode before the secret"
    assert "updated" in first.stderr and "s3cret" not in first.stderr
    assert target.read_text() == "s3cret" and target.stat().st_mode & 0o777 == 0o640
    inode = target.stat().st_ino
    again = subprocess.run(["bash", "-c", f"set -euo pipefail; . {SCRIPTS_DIR / 'lib.sh'}; {write}"],
                           env={"PATH": "/usr/bin:/bin", "T": str(target), "V": "s3cret"},
                           capture_output=True, text=True, timeout=30)
    assert "updated" not in again.stderr and target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.env"]


def test_a_secret_file_for_an_owner_that_does_not_exist_stops_the_stage(tmp_path):
    # errexit does not reach into $(...): secret_tmp must fail by itself, and leave nothing behind.
    result = lib(tmp_path, f'tmp=$(secret_tmp {tmp_path}/key.pem 0640 root:no-such-group-kp); echo "went on"')
    assert result.returncode != 0 and "went on" not in result.stdout
    assert not list(tmp_path.glob("key.pem*"))
