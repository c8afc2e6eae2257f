"""The operating systems a host may run. What differs between them is data here, read by the stages
(package manager, package names) and the platforms (image, default user); scripts never branch on
an OS name."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OperatingSystem:
    id: str
    # The package manager the stage scripts drive: lib.sh has one small function set per family.
    family: str
    # The image's default SSH user, with passwordless sudo (Debian's cloud images: admin).
    user: str
    # EC2 architecture (x86_64 | arm64) -> the headless Java package the broker runs on (Kafka 3.9 and
    # 4.x fully support 17 and 21); a Graviton host asks for its own.
    java_packages: dict[str, str]
    gnupg_package: str
    # AWS: Systems Manager public parameter holding the newest official AMI, per EC2 architecture.
    ami_parameters: dict[str, str]
    # local platform: the debootstrap suite of the rootfs; None when the OS cannot be rehearsed locally.
    suite: str | None = None


def debian(major: int, suite: str, java_package: str) -> OperatingSystem:
    """A Debian release from Debian's own AMIs, whose IDs Debian publishes under
    /aws/service/debian/release/<major>/latest/<arch>; Debian builds its Java for both architectures."""
    return OperatingSystem(
        id=f"debian-{major}", family="apt", user="admin",
        java_packages={"x86_64": java_package, "arm64": java_package},
        gnupg_package="gnupg",
        ami_parameters={arch: f"/aws/service/debian/release/{major}/latest/{name}"
                        for arch, name in (("x86_64", "amd64"), ("arm64", "arm64"))},
        suite=suite)


OPERATING_SYSTEMS: dict[str, OperatingSystem] = {
    # Debian 13 (trixie), stable since August 2025: no Java 17 in its archive; 21 is its default
    # (default-jre-headless), built for amd64 and arm64.
    "debian-13": debian(13, "trixie", "openjdk-21-jre-headless"),
    # bookworm main builds openjdk-17 for binary-amd64 and binary-arm64.
    "debian-12": debian(12, "bookworm", "openjdk-17-jre-headless"),
    "al2023": OperatingSystem(
        id="al2023", family="dnf", user="ec2-user",
        # Corretto 17 ships x86_64 and aarch64 RPMs under one name (corretto/corretto-17 releases).
        java_packages={"x86_64": "java-17-amazon-corretto-headless", "arm64": "java-17-amazon-corretto-headless"},
        gnupg_package="gnupg2-minimal",
        ami_parameters={"x86_64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
                        "arm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"}),
}
# Debian's stable release; the local platform rehearses the same one by default.
DEFAULT_OS = "debian-13"
