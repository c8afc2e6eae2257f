"""Builds the Logstash stand-in tarball: `build(version, out_dir, arch) -> Path`.

The archive has Elastic's name and layout (`logstash-<version>/bin/logstash`, `config/`, ...), so
the deployment installs it exactly as a real release. Its bytes depend only on the inputs (runtime
files, our parser, the vendored wheels, version, arch): entries sorted, fixed mtimes and owners,
gzip header without name or time. So its SHA-512 is stable and can be pinned like a real release's.

The vendored packages (kafka-python, lz4, pinned in requirements.txt) are installed once per pin set
and platform into tests/rehearsal/.cache/, so later builds need no network.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "runtime"
ROOT = HERE.parents[2]
REQUIREMENTS = ROOT / "requirements.txt"
PARSER = ROOT / "components" / "logstash"
CACHE = HERE.parent / ".cache"

VENDORED = ("kafka-python", "lz4")
PYTHON_VERSION = "3.11"  # Debian 12's python3, what the hosts run
# Every archive entry gets this mtime (2000-01-01T00:00:00Z): old enough to be obviously synthetic,
# new enough that no tar warns about it.
MTIME = 946684800
EXECUTABLES = {"bin/logstash", "bin/logstash-plugin"}
PARSER_IMPORT = "from components.logstash.lscl import "


def build(version: str, out_dir: Path, arch: str = "x86_64") -> Path:
    """Write out_dir/logstash-<version>-linux-<arch>.tar.gz and return its path."""
    if arch not in ("x86_64", "aarch64"):
        raise ValueError(f"arch must be x86_64 or aarch64, not {arch!r}")
    files = {**runtime_files(), **parser_files(), **versions_file(version)}
    for path in sorted(vendor_dir(arch).rglob("*")):
        if path.is_file():
            files[f"vendor/python/{path.relative_to(vendor_dir(arch)).as_posix()}"] = path.read_bytes()
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"logstash-{version}-linux-{arch}.tar.gz"
    tmp = archive.with_name(archive.name + ".tmp")
    tmp.write_bytes(tarball(f"logstash-{version}", files))
    os.replace(tmp, archive)
    return archive


def runtime_files() -> dict[str, bytes]:
    return {p.relative_to(RUNTIME).as_posix(): p.read_bytes()
            for p in sorted(RUNTIME.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def parser_files() -> dict[str, bytes]:
    """Our own lscl.py and parse.py, so the stand-in reads configs with exactly our parser."""
    parse = (PARSER / "parse.py").read_text()
    if parse.count(PARSER_IMPORT) != 1:
        raise RuntimeError(f"{PARSER / 'parse.py'}: expected one line starting {PARSER_IMPORT!r}; "
                           "update logstash_standin/build.py to the parser's imports")
    return {
        "lib/standin/lscl.py": (PARSER / "lscl.py").read_bytes(),
        "lib/standin/parse.py": parse.replace(PARSER_IMPORT, "from standin.lscl import ").encode(),
    }


def versions_file(version: str) -> dict[str, bytes]:
    # Real releases carry versions.yml at the top; the stand-in reads its version from it.
    return {"versions.yml": f"logstash: {version}\nlogstash-core: {version}\n".encode()}


def pins() -> list[str]:
    """The requirement lines (name==version) of the vendored packages, as requirements.txt has them."""
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        name = requirement.split("==", 1)[0].strip().lower()
        if name in VENDORED and "==" in requirement:
            found[name] = requirement
    missing = [n for n in VENDORED if n not in found]
    if missing:
        raise RuntimeError(f"{REQUIREMENTS} pins none of: {', '.join(missing)}")
    return [found[n] for n in VENDORED]


def vendor_dir(arch: str) -> Path:
    """The installed packages for this pin set and platform; installed with pip once, then reused."""
    platform = f"manylinux2014_{arch}"
    requirements = pins()
    key = hashlib.sha256("\n".join([PYTHON_VERSION, platform, *requirements]).encode()).hexdigest()[:16]
    target = CACHE / f"vendor-{key}"
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vendor-", dir=CACHE))
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-compile", "--target", str(work), "--only-binary=:all:",
                        "--python-version", PYTHON_VERSION, "--platform", platform, "--implementation", "cp",
                        *requirements], check=True, capture_output=True, text=True)
        drop_console_scripts(work)
        work.rename(target)
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"pip could not vendor {' '.join(requirements)}:\n{error.stderr}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def drop_console_scripts(target: Path) -> None:
    """pip's bin/ wrappers point at the building interpreter: useless on a host, and machine-specific."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    for record in target.glob("*.dist-info/RECORD"):
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if not line.split(",")[0].lstrip("./").startswith("bin/")))


def tarball(top: str, files: dict[str, bytes]) -> bytes:
    directories = {f"{top}/{parent}" for name in files
                   for parent in Path(name).parents if parent != Path(".")}
    directories.add(top)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(directories | {f"{top}/{n}" for n in files}):
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
            relative = name[len(top) + 1:]
            if name in directories:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = files[relative]
                info.size, info.mode = len(data), 0o755 if relative in EXECUTABLES else 0o644
                tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()
