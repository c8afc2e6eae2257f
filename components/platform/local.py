"""The `local` platform: systemd-nspawn machines on a private bridge of this Linux machine, booted
from a Debian image like the cloud image of the same release. The same stages reach them over
real SSH as the stack's key; nothing here calls AWS.

Paths and ports are defined here once and reach scripts/local/*.sh through their environment."""
from __future__ import annotations

import hashlib
import ipaddress
import platform as machine_platform
from pathlib import Path

import pulumi
import pulumi_tls as tls

from components.platform import sizes
from components.platform.base import Host, HostSpec, aliases, connection
from components.platform.local_resources import SCRIPTS, Image, Machine, Network
from components.settings import Settings

STATE_ROOT = Path("/var/lib/kafka-pipeline/local")
CACHE_ROOT = Path("/var/cache/kafka-pipeline")
# Not apt-cacher-ng's usual 3142, which a service of this machine may hold on every interface.
PROXY_PORT = 3149
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SECURITY = "http://deb.debian.org/debian-security"
# What the matching cloud image holds that a minbase rootfs lacks, and no more: Java, Kafka and
# Logstash come from the stages.
IMAGE_PACKAGES = ("systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "python3", "curl",
                  "ca-certificates", "gnupg", "iproute2", "procps", "netbase")
BRIDGE_PREFIX = "kpb-"


def apt_sources(suite: str) -> str:
    return (f"deb {DEBIAN_MIRROR} {suite} main\n"
            f"deb {DEBIAN_MIRROR} {suite}-updates main\n"
            f"deb {DEBIAN_SECURITY} {suite}-security main\n")


def image_dir(suite: str) -> str:
    """The image's cache folder, named after its recipe: a new recipe builds a new image."""
    recipe = "\n".join([suite, DEBIAN_MIRROR, ",".join(IMAGE_PACKAGES), apt_sources(suite),
                        (SCRIPTS / "image.sh").read_text()])
    return str(CACHE_ROOT / "images" / f"{suite}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}")


def machine_name(stack: str, host: str) -> str:
    """Short and unique per stack and host: nspawn names the host side of the link vb-<name>, and
    interface names hold 15 characters."""
    return "kp-" + hashlib.sha256(f"{stack}/{host}".encode()).hexdigest()[:8]


def nameserver(nat: bool, files: tuple[str, ...] = ("/run/systemd/resolve/resolv.conf", "/etc/resolv.conf")) -> str:
    """With NAT, the hosts use this machine's resolver (a loopback one is out of their reach);
    without, they resolve nothing and reach only the bridge's services."""
    if not nat:
        return ""
    for name in files:
        try:
            lines = Path(name).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver" and not ipaddress.ip_address(parts[1]).is_loopback:
                return parts[1]
    return ""


def local_arch() -> str:
    return "arm64" if machine_platform.machine() in ("aarch64", "arm64") else "x86_64"


class LocalPlatform(pulumi.ComponentResource):
    private_key: pulumi.Output[str] | None

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:LocalNetwork", name, None, opts)
        self._settings = settings
        local = settings.local
        child = pulumi.ResourceOptions(parent=self)
        net = ipaddress.ip_network(local.subnet)
        self._state_dir = STATE_ROOT / local.bridge
        self._subnet = local.subnet
        self._prefix = net.prefixlen
        self._gateway = local.gateway
        self._bridge = local.bridge
        self.image = Image(f"{name}-image", {
            "image_dir": image_dir(settings.os.suite), "suite": settings.os.suite, "debian_mirror": DEBIAN_MIRROR,
            "packages": ",".join(IMAGE_PACKAGES), "apt_sources": apt_sources(settings.os.suite),
        }, opts=child)
        self.network = Network(f"{name}-network", {
            "bridge": local.bridge, "bridge_prefix": BRIDGE_PREFIX, "gateway": local.gateway,
            "prefix": net.prefixlen, "subnet": local.subnet, "state_dir": str(self._state_dir),
            "proxy_port": PROXY_PORT, "apt_cache": str(CACHE_ROOT / "apt"),
        }, opts=child)
        if settings.ssh_public_key:
            self.public_key: pulumi.Input[str] = settings.ssh_public_key
            self.private_key = None
        else:
            key = tls.PrivateKey(f"{name}-ssh-key", algorithm="ED25519", opts=child)
            self.public_key = key.public_key_openssh
            self.private_key = pulumi.Output.secret(key.private_key_openssh)
        self.register_outputs({"bridge": local.bridge, "subnet": local.subnet})

    def host(self, spec: HostSpec, parent: pulumi.Resource) -> Host:
        name = spec.name
        # A renamed host keeps its machine (name, folder, address).
        machine = machine_name(self._settings.stack, spec.former_name or name)
        memory = sizes.memory_mib(spec.instance_type)
        user = self._settings.os.user
        resource = Machine(name, {
            "machine": machine,
            "machine_dir": str(self._state_dir / "machines" / machine),
            "host_name": name,
            "image_dir": self.image.image_dir,
            "bridge": self._bridge,
            "subnet": self._subnet,
            "gateway": self._gateway,
            "prefix": self._prefix,
            "user_name": user,
            "public_key": self.public_key,
            "memory_mib": memory,
            "proxy_url": f"http://{self._gateway}:{PROXY_PORT}",
            "nameserver": self.network.nat.apply(nameserver),
            "leases_dir": str(self._state_dir / "leases"),
            "running": True,
        }, opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.network], aliases=aliases(spec.former_name)))
        return Host(name=name, former_name=spec.former_name, resource=resource, address=resource.address, private_ip=resource.address,
                    id=resource.id, user=user, arch=local_arch(), memory_mib=memory,
                    connection=connection(resource.address, user, self.private_key))

    def cost_estimate(self) -> dict:
        return {"usdPerHour": 0, "note": "local platform: systemd-nspawn machines on this machine; no cloud cost"}
