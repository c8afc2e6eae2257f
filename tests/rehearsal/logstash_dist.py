"""Real Logstash for hosts that cannot reach Elastic: the OSS build in ../shared/tools/logstash (no
JDK), with a `jdk/` folder added as Elastic's own Linux tarballs carry one.

`build(version, out_dir)` writes out_dir/logstash-<version>-linux-<arch>.tar.gz, named and laid out
as releases.logstash_archive expects under a base URL, so the logstash stage installs it exactly as
it installs Elastic's release. The JDK is this machine's Debian OpenJDK 17 runtime (the files of
the package JDK_PACKAGE, symlinks resolved, so the folder stands alone on a host).

The archive is deterministic (the bundle's entries in their order, then the JDK's sorted; fixed
owners and times; gzip without a timestamp) and cached under tests/rehearsal/.cache/ by its inputs:
the bundle's bytes, the JDK package's version and this recipe.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from components import releases

REPO = Path(__file__).resolve().parents[2]
# The bundle's folder, beside the checkout as ../shared/tools/logstash; KAFKA_PIPELINE_LOGSTASH_BUNDLES
# points elsewhere.
BUNDLES = Path(os.environ.get("KAFKA_PIPELINE_LOGSTASH_BUNDLES", REPO.parent / "shared" / "tools" / "logstash"))
BUNDLE_NAME = re.compile(r"^logstash-oss-(\d+\.\d+\.\d+)-nojdk\.tar\.gz$")
CACHE = REPO / "tests" / "rehearsal" / ".cache" / "logstash"
JDK_PACKAGE = "openjdk-17-jre-headless"
# Debian's architecture names for this machine's (the hosts are containers on it).
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
MTIME = 946684800  # 2000-01-01: every added entry's time, plainly synthetic and the same each build


class DistError(RuntimeError):
    pass


def offline_versions() -> list[str]:
    """The Logstash releases a bundle is here for, newest first."""
    found = [m.group(1) for p in (BUNDLES.iterdir() if BUNDLES.is_dir() else ())
             if (m := BUNDLE_NAME.match(p.name))]
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")), reverse=True)


def bundle(version: str) -> Path:
    path = BUNDLES / f"logstash-oss-{version}-nojdk.tar.gz"
    if not path.is_file():
        have = ", ".join(offline_versions()) or "none"
        raise DistError(f"Logstash {version} cannot be served offline: {BUNDLES} holds a build of {have}. "
                        f"Set logstash.version to one of those (or unset it), or give the hosts Elastic's downloads.")
    return path


def arch() -> str:
    machine = platform.machine()
    if machine not in DEBIAN_ARCH:
        raise DistError(f"no JDK for this machine's architecture {machine}")
    return machine


def jdk_home() -> Path:
    return Path(f"/usr/lib/jvm/java-17-openjdk-{DEBIAN_ARCH[arch()]}")


def jdk_version() -> str:
    result = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", JDK_PACKAGE],
                            capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout.startswith("install ok installed"):
        raise DistError(f"{JDK_PACKAGE} is not installed; tests/deps.sh installs it (apt-get install {JDK_PACKAGE})")
    return result.stdout.split()[-1]


def jdk_files() -> list[tuple[str, Path]]:
    """(path inside jdk/, real file) for every regular file of the JDK package under its home."""
    home = jdk_home()
    listed = subprocess.run(["dpkg-query", "-L", JDK_PACKAGE], capture_output=True, text=True, check=True).stdout
    files = []
    for line in listed.splitlines():
        path = Path(line)
        if home not in path.parents:
            continue
        # Links to /etc/java-17-openjdk and /etc/ssl/certs/java are resolved; linked folders (docs) left out.
        if path.is_file():
            files.append((path.relative_to(home).as_posix(), path.resolve()))
    if not any(name == "bin/java" for name, _ in files):
        raise DistError(f"{JDK_PACKAGE} has no bin/java under {home}")
    return sorted(files)


def archive_path(version: str, out_dir: Path) -> Path:
    """Where releases.logstash_archive(version, arch, base) points when out_dir is served at base."""
    return out_dir / releases.logstash_archive(version, arch(), "").lstrip("/")


def build(version: str, out_dir: Path) -> Path:
    """The archive for `version` in out_dir, from the cache when its inputs are unchanged."""
    source, jdk = bundle(version), jdk_version()
    key = hashlib.sha256("\n".join([
        sha512(source), jdk, hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    ]).encode()).hexdigest()[:20]
    cached = archive_path(version, CACHE / key)
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Its own partial file: the rehearsals and the other tests run side by side (make test).
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.part")
        write(partial, source, f"logstash-{version}", jdk_files(), jdk)
        os.replace(partial, cached)
    target = archive_path(version, out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not (target.exists() and (os.path.samefile(target, cached) or sha512(target) == sha512(cached))):
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        partial.unlink(missing_ok=True)
        try:
            os.link(cached, partial)
        except OSError:  # another filesystem
            shutil.copyfile(cached, partial)
        os.replace(partial, target)
    return target


def sha512(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write(path: Path, source: Path, top: str, jdk: list[tuple[str, Path]], jdk_version_text: str) -> None:
    """The bundle's entries as they are, then jdk/ and JDK_VERSION, in one gzip'd tar."""
    with open(path, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as out, \
            tarfile.open(source, "r:gz") as bundled:
        for member in bundled:
            if member.name.split("/", 1)[0] != top:
                raise DistError(f"{source}: {member.name} is outside {top}/")
            out.addfile(member, bundled.extractfile(member) if member.isfile() else None)
        folders = sorted({p.as_posix() for name, _ in jdk for p in Path(top, "jdk", name).parents
                          if p.as_posix().startswith(f"{top}/jdk")})
        for folder in folders:
            out.addfile(entry(folder, 0o755, tarfile.DIRTYPE))
        for name, real in jdk:
            info = entry(f"{top}/jdk/{name}", 0o755 if os.access(real, os.X_OK) else 0o644)
            info.size = real.stat().st_size
            with open(real, "rb") as f:
                out.addfile(info, f)
        # bin/logstash wants it beside jdk/ when LS_JAVA_HOME is also set (the bundle's README).
        text = f"{jdk_version_text}\n".encode()
        info = entry(f"{top}/JDK_VERSION", 0o644)
        info.size = len(text)
        out.addfile(info, io.BytesIO(text))


def entry(name: str, mode: int, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info
