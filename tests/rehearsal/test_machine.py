"""A local host is handed to the engine only when a user can log in, not merely when sshd answers:
on a slow boot the engine's first logins were refused (/run/nologin) and Debian 13's sshd shut
this machine's address out for minutes (PerSourcePenalties), failing every stage. The boot is
made slow on purpose here, so the test goes red if `machine.sh start` returns early.

The same booted host also answers what only a real systemd can: whether journald keeps what our
units print."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from components.oses import OPERATING_SYSTEMS
from components.platform import local
from components.platform.local_resources import ImageProvider, LocalPlatformError, MachineProvider, NetworkProvider, run
from components.stages import logstash
from tests.rehearsal import hosts

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

SUBNET, GATEWAY, BRIDGE = "10.214.205.0/24", "10.214.205.1", "kpb-mready"
MACHINE = "kp-mready1"
# Longer than sshd takes to listen after it starts: without the wait, a login lands in the gap.
SLOW_SESSIONS_S = 8
SUITE = OPERATING_SYSTEMS["debian-13"].suite


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    """A booted machine of the default OS on a bridge of its own, and the private key it takes."""
    keys = tmp_path_factory.mktemp("keys")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "id")], check=True)
    state = hosts.state_dir(BRIDGE)
    net = {"bridge": BRIDGE, "bridge_prefix": local.BRIDGE_PREFIX, "gateway": GATEWAY, "prefix": 24,
           "subnet": SUBNET, "state_dir": str(state), "proxy_port": local.PROXY_PORT,
           "apt_cache": str(local.CACHE_ROOT / "apt")}
    image = local.image_dir(SUITE)
    ImageProvider().create({"image_dir": image, "suite": SUITE, "debian_mirror": local.DEBIAN_MIRROR,
                            "packages": ",".join(local.IMAGE_PACKAGES), "apt_sources": local.apt_sources(SUITE)})
    NetworkProvider().create(net)
    props = {"machine": MACHINE, "machine_dir": str(state / "machines" / MACHINE), "host_name": "ready-check",
             "image_dir": image, "bridge": BRIDGE, "subnet": SUBNET, "gateway": GATEWAY, "prefix": 24,
             "user_name": "admin", "public_key": (keys / "id.pub").read_text().strip(), "memory_mib": 512,
             "proxy_url": f"http://{GATEWAY}:{local.PROXY_PORT}", "nameserver": "",
             "leases_dir": str(state / "leases")}
    provider = MachineProvider()
    created = provider.create(props)
    try:
        yield provider, created.outs, hosts.Remote(created.outs["address"], "admin", keys / "id")
    finally:
        provider.delete(created.id, created.outs)
        run("network.sh", "down", net)
        assert hosts.leftovers(BRIDGE, [MACHINE], state) == []


def test_start_returns_when_a_login_succeeds_even_on_a_slow_boot(machine):
    provider, props, remote = machine
    env = provider._env(props)
    run("machine.sh", "stop", env)
    # The unit that lets users in comes late in this boot, as on a loaded machine.
    drop_in = Path(props["machine_dir"]) / "rootfs/etc/systemd/system/systemd-user-sessions.service.d"
    drop_in.mkdir(parents=True, exist_ok=True)
    (drop_in / "slow.conf").write_text(f"[Service]\nExecStartPre=/bin/sleep {SLOW_SESSIONS_S}\n")
    began = time.monotonic()
    run("machine.sh", "start", env)
    waited = time.monotonic() - began
    # One login, no retries: the engine's first dial must not be refused.
    first = remote.call("cat /etc/hostname")
    assert first.returncode == 0, f"first login after start ({waited:.1f}s) refused: {first.stderr.strip()}"
    assert first.stdout.strip() == "ready-check"
    assert waited >= SLOW_SESSIONS_S, f"start returned after {waited:.1f}s, before the boot let users in"


def test_failed_logins_from_the_operator_do_not_shut_it_out(machine, tmp_path):
    """The engine dials a booting host several at a time; sshd's PerSourcePenalties would answer a
    few refused logins from this machine's address by dropping every connection from it for a while
    (CI: every stage failed with "connection reset"). The gateway is exempt, nobody else is."""
    _, props, remote = machine
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "stranger")], check=True)
    stranger = hosts.Remote(remote.address, remote.user, tmp_path / "stranger")
    # Each refused key is one failed authentication; OpenSSH enforces after 15 s of penalties (5 s each).
    for _ in range(6):
        assert stranger.call("true").returncode != 0
    first = remote.call("cat /etc/hostname")
    assert first.returncode == 0, f"the operator's own login after refused ones: {first.stderr.strip()}"
    conf = Path(props["machine_dir"]) / "rootfs/etc/ssh/sshd_config.d/50-operator.conf"
    assert f"PerSourcePenaltyExemptList {GATEWAY}" in conf.read_text().splitlines()


def test_a_machine_that_does_not_come_up_is_removed_with_its_address(machine):
    """The engine records no resource for a failed create, so nothing would ever stop the machine:
    machine.sh must leave nothing running and the address must be free again."""
    provider, props, _ = machine
    name = "kp-mready2"
    state = hosts.state_dir(BRIDGE)
    # nspawn cannot attach a host to a bridge that does not exist: the boot fails after launch.
    broken = {**props, "machine": name, "machine_dir": str(state / "machines" / name), "host_name": "never-up",
              "bridge": "kpb-missing"}
    broken.pop("address", None)
    with pytest.raises(LocalPlatformError, match="stopped while booting"):
        provider.create(broken)
    assert hosts.leftovers("kpb-missing", [name], state / "machines" / name) == []
    assert not (state / "machines" / name).exists()
    assert name not in " ".join(p.read_text() for p in (state / "leases").glob("*")), "its address is still leased"


def test_journald_keeps_every_line_a_logstash_unit_prints(machine):
    """The stdout sink prints every event into Logstash's journal, and a consumer catching up after a
    reboot prints its backlog at once (CI: journald suppressed 24,028 lines of a class consumer). A unit
    with only the rate-limit keys of ours floods the journal well past journald's default limit."""
    _, _, remote = machine
    lines = 150_000
    keys = "".join(f"{line}\n" for line in logstash.UNIT.splitlines() if line.startswith("LogRateLimit"))
    unit = f"[Service]\nType=oneshot\nExecStart=/usr/bin/seq 1 {lines}\n{keys}"
    remote.run(f"sudo tee /etc/systemd/system/flood.service >/dev/null <<'EOF'\n{unit}EOF\n"
               "sudo systemctl daemon-reload && sudo systemctl start flood.service", timeout=120)
    count = "sudo journalctl -u flood.service -o cat --no-pager | grep -c '^[0-9][0-9]*$' || true"
    kept, seen = -1, int(remote.run(count))
    while seen != kept:  # journald may still be reading the stream when the unit has exited
        time.sleep(2)
        kept, seen = seen, int(remote.run(count))
    assert kept == lines, f"journald dropped {lines - kept} of {lines} lines"
