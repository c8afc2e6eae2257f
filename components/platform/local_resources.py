"""The local platform's resources as Pulumi dynamic resources: the image, the network and each
machine. Every CRUD call runs one of scripts/local/*.sh as root; `read` asks the machine itself,
so `pulumi refresh` sees a stopped host or a new address as it would see an EC2 instance's.

Inputs carry a desired state (`up` / `running`); `read` reports the real one, and `diff` turns a
difference into an update that brings the network up or boots the machine again."""
from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "local"
# Where a script may look for its tools; nothing else of the engine's environment reaches it.
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FIRST_HOST_OFFSET = 10


class LocalPlatformError(RuntimeError):
    pass


def run(script: str, action: str, env: dict[str, Any], timeout: float = 900) -> str:
    """Run scripts/local/<script> <action> with `env` (keys upper-cased); its stdout."""
    if os.geteuid() != 0:
        raise LocalPlatformError("the local platform runs its hosts as systemd-nspawn machines on a bridge of this "
                                 "machine, which needs root: run it as root (sudo make up STACK=local)")
    variables = {"PATH": PATH, **{k.upper(): _text(v) for k, v in env.items() if v is not None}}
    result = subprocess.run(["bash", str(SCRIPTS / script), action], env=variables, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise LocalPlatformError(f"{script} {action} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def _text(value: Any) -> str:
    # Pulumi hands every number to a dynamic provider as a float: 24 arrives as 24.0.
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _changed(olds: dict, news: dict, keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if olds.get(k) != news.get(k)]


# ---- the image ----

class ImageProvider(ResourceProvider):
    INPUTS = ("image_dir", "suite", "debian_mirror", "packages", "apt_sources")

    def create(self, props: dict) -> CreateResult:
        run("image.sh", "build", {k: props[k] for k in self.INPUTS}, timeout=1800)
        return CreateResult(id_=props["image_dir"], outs=props)

    def read(self, id_: str, props: dict) -> ReadResult:
        # A cleared cache is rebuilt by the next `up`, as a deleted AMI would be looked up again.
        return ReadResult(id_ if (Path(id_) / ".complete").exists() else None, props)

    def diff(self, id_: str, olds: dict, news: dict) -> DiffResult:
        changes = _changed(olds, news, self.INPUTS)
        return DiffResult(changes=bool(changes), replaces=changes, delete_before_replace=False)

    def delete(self, id_: str, props: dict) -> None:
        """The image is a cache shared by stacks and runs: it stays."""


class Image(Resource, module="local", name="Image"):
    image_dir: pulumi.Output[str]

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ImageProvider(), name, props, opts)


# ---- the network ----

class NetworkProvider(ResourceProvider):
    INPUTS = ("bridge", "bridge_prefix", "gateway", "prefix", "subnet", "state_dir", "proxy_port", "apt_cache")
    REPLACE = ("bridge", "gateway", "prefix", "subnet", "state_dir")

    def _env(self, props: dict) -> dict:
        return {k: props[k] for k in self.INPUTS}

    def create(self, props: dict) -> CreateResult:
        status = json.loads(run("network.sh", "up", self._env(props)))
        return CreateResult(id_=props["bridge"], outs={**props, "up": status["bridge"] and status["proxy"],
                                                      "nat": status["nat"]})

    def read(self, id_: str, props: dict) -> ReadResult:
        status = json.loads(run("network.sh", "status", self._env(props)))
        return ReadResult(id_, {**props, "up": status["bridge"] and status["proxy"], "nat": status["nat"]})

    def diff(self, id_: str, olds: dict, news: dict) -> DiffResult:
        changes = _changed(olds, news, self.INPUTS)
        replaces = _changed(olds, news, self.REPLACE)
        down = olds.get("up") is False
        return DiffResult(changes=bool(changes) or down, replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict, news: dict) -> UpdateResult:
        status = json.loads(run("network.sh", "up", self._env(news)))
        return UpdateResult(outs={**news, "up": status["bridge"] and status["proxy"], "nat": status["nat"]})

    def delete(self, id_: str, props: dict) -> None:
        run("network.sh", "down", self._env(props))


class Network(Resource, module="local", name="Network"):
    up: pulumi.Output[bool]
    nat: pulumi.Output[bool]

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NetworkProvider(), name, {**props, "up": None, "nat": None}, opts)


# ---- machines ----

class MachineProvider(ResourceProvider):
    # What the machine is: a change makes a new machine (as a new instance would be).
    REPLACE = ("machine", "machine_dir", "host_name", "bridge", "subnet", "gateway", "prefix", "user_name", "leases_dir")
    # What a running machine can take in place.
    UPDATE = ("public_key", "memory_mib")
    # Only a new machine reads these: like an AMI or user data, they do not touch a running one.
    CREATE_ONLY = ("image_dir", "proxy_url", "nameserver")

    def _env(self, props: dict, address: str | None = None) -> dict:
        keys = (*self.REPLACE, *self.UPDATE, *self.CREATE_ONLY)
        return {**{k: props.get(k) for k in keys if k != "leases_dir"}, "address": address or props.get("address"),
                "cgroup": cgroup_name(props["machine"])}

    def create(self, props: dict) -> CreateResult:
        address = lease(props["leases_dir"], props["subnet"], props["machine"])
        try:
            run("machine.sh", "create", self._env(props, address))
        except LocalPlatformError:
            # machine.sh removed the machine that did not come up; its address goes back too.
            release(props["leases_dir"], props["machine"])
            raise
        machine_id = (Path(props["machine_dir"]) / "rootfs" / "etc" / "machine-id").read_text().strip()
        return CreateResult(id_=f"{props['machine']}-{machine_id[:12]}",
                            outs={**props, "address": address, "running": True})

    def read(self, id_: str, props: dict) -> ReadResult:
        status = json.loads(run("machine.sh", "status", self._env(props)))
        if not status["exists"]:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "address": status["address"], "running": status["running"]})

    def diff(self, id_: str, olds: dict, news: dict) -> DiffResult:
        replaces = _changed(olds, news, self.REPLACE)
        updates = _changed(olds, news, self.UPDATE)
        stopped = olds.get("running") is False
        return DiffResult(changes=bool(replaces or updates) or stopped, replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict, news: dict) -> UpdateResult:
        env = self._env(news, olds["address"])
        run("machine.sh", "configure", env)
        run("machine.sh", "start", env)
        return UpdateResult(outs={**news, "address": olds["address"], "running": True})

    def delete(self, id_: str, props: dict) -> None:
        run("machine.sh", "delete", self._env(props))
        release(props["leases_dir"], props["machine"])


class Machine(Resource, module="local", name="Machine"):
    address: pulumi.Output[str]
    running: pulumi.Output[bool]

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MachineProvider(), name, {**props, "address": None, "running": None}, opts)


def cgroup_name(machine: str) -> str:
    """The machine's cgroup in each hierarchy (and its systemd unit where systemd runs this machine)."""
    return f"kafka-pipeline-{machine}"


# ---- addresses: a lease file per address, like a VPC's DHCP ----

def lease(leases_dir: str, subnet: str, machine: str) -> str:
    """This machine's address: the one it holds, or the lowest free one from .10 up."""
    folder = Path(leases_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held = {p.name: p.read_text().strip() for p in folder.iterdir() if not p.name.startswith(".")}
        for address, owner in held.items():
            if owner == machine:
                return address
        for host in list(ipaddress.ip_network(subnet).hosts())[FIRST_HOST_OFFSET - 1:]:
            if str(host) not in held:
                (folder / str(host)).write_text(machine + "\n")
                return str(host)
    raise LocalPlatformError(f"no free address left in {subnet} for {machine}")


def release(leases_dir: str, machine: str) -> None:
    folder = Path(leases_dir)
    if not folder.exists():
        return
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for p in folder.iterdir():
            if not p.name.startswith(".") and p.read_text().strip() == machine:
                p.unlink()

