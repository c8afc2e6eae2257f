"""A stage on a real host while another apt run holds the package lists' lock, as apt-daily and
unattended-upgrades do in a fresh cloud image's first minutes.

The stage is a broker's own java stage bundle (its apply.sh, lib.sh and stage script as deployed),
copied with one change: it installs a small package no stage installs, so it has something to fetch.
"""
from __future__ import annotations

import subprocess
import time

from tests.rehearsal.hosts import Remote

LISTS_LOCK = "/var/lib/apt/lists/lock"
HOLDER_UNIT = "kp-rehearsal-apt-holder"
# Small, in Debian main for every release we deploy, and installed by nobody else.
PACKAGE = "hello"
COPY = "/var/tmp/kp-apt-wait"


def _lock(flags: str) -> str:
    # apt locks with fcntl (F_SETLK), which flock(1) would not see: the holder locks the same way,
    # and keeps the file open (a lock lives as long as its file is open).
    return f"import fcntl; f = open('{LISTS_LOCK}', 'a'); fcntl.lockf(f, {flags})"


def hold_lists_lock(remote: Remote, seconds: int) -> None:
    """Another process holds the lists lock for `seconds`, under its own transient unit."""
    remote.run(f"sudo systemd-run --quiet --collect --unit={HOLDER_UNIT} python3 -c "
               f"\"{_lock('fcntl.LOCK_EX')}; import time; time.sleep({seconds})\"")
    remote.wait_until(f"! sudo python3 -c \"{_lock('fcntl.LOCK_EX | fcntl.LOCK_NB')}\"", 15,
                      "the lists lock taken by the holder")


def release_lists_lock(remote: Remote) -> None:
    remote.run(f"sudo systemctl stop {HOLDER_UNIT} 2>/dev/null || true")


def prepare_stage(remote: Remote) -> None:
    """The java stage's deployed bundle, installing PACKAGE, with lists older than the hour after
    which a stage refreshes them, and its run kept out of the stage log the books read."""
    remote.run(f"sudo rm -rf {COPY} && sudo cp -a ~/kp-java {COPY} && sudo sed -i "
               f"-e 's/^JAVA_PACKAGE=.*/JAVA_PACKAGE={PACKAGE}/' -e 's|^STAGE_LOG=.*|STAGE_LOG={COPY}.log|' "
               f"{COPY}/stage.env && {{ sudo apt-get purge -y -qq {PACKAGE} >/dev/null 2>&1 || true; }} && "
               "sudo find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -exec touch -d '2 hours ago' {} +")


def run_stage(remote: Remote, lock_wait_s: int | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """The stage run as the deployment runs it (sudo bash apply.sh); its result and seconds taken."""
    wait = f"APT_LOCK_WAIT={lock_wait_s} " if lock_wait_s is not None else ""
    began = time.monotonic()
    result = remote.call(f"sudo {wait}bash {COPY}/apply.sh </dev/null", timeout=900)
    return result, time.monotonic() - began


def installed(remote: Remote) -> bool:
    return remote.run(f"dpkg-query -W -f='${{db:Status-Status}}' {PACKAGE} 2>/dev/null || true").strip() == "installed"


def clean_up(remote: Remote) -> None:
    release_lists_lock(remote)
    remote.run(f"sudo apt-get purge -y -qq {PACKAGE} >/dev/null 2>&1; sudo rm -rf {COPY} {COPY}.log")
