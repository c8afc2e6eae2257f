"""The logstash stage's signature check, run for real and offline: a release signed with a key the
test makes stands in for Elastic's, whose fingerprint the stage pins. A download is kept only when a
good signature is made by the pinned key itself."""
from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

STAGES = Path(__file__).resolve().parents[2] / "scripts" / "stages"


class Keys:
    """Throwaway signing keys in a keyring of the test's own."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(mode=0o700)

    def gpg(self, *args: str, data: bytes | None = None) -> bytes:
        return subprocess.run(["gpg", "--homedir", str(self.home), "--batch", "--quiet", *args], input=data,
                              capture_output=True, check=True, timeout=60).stdout

    def make(self, name: str) -> str:
        self.gpg("--passphrase", "", "--quick-gen-key", f"{name} <{name}@example.test>", "ed25519", "sign", "never")
        return self.fingerprint(name)

    def fingerprint(self, name: str) -> str:
        colons = self.gpg("--with-colons", "--fingerprint", f"{name}@example.test").decode()
        return next(line.split(":")[9] for line in colons.splitlines() if line.startswith("fpr:"))

    def export(self, *names: str) -> bytes:
        return self.gpg("--armor", "--export", *(f"{n}@example.test" for n in names))

    def sign(self, name: str, path: Path) -> None:
        self.gpg("--yes", "--local-user", f"{name}@example.test", "--armor", "--detach-sign",
                 "--output", f"{path}.asc", str(path))


@pytest.fixture
def keys(tmp_path):
    made = Keys(tmp_path / "keyring")
    yield made
    # Signing started an agent for the test's keyring: it must not outlive the test.
    subprocess.run(["gpgconf", "--homedir", str(made.home), "--kill", "gpg-agent"], capture_output=True, timeout=30)


def release(tmp_path: Path) -> Path:
    src = tmp_path / "logstash-9.9.9"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "logstash").write_text("echo logstash\n")
    archive = tmp_path / "published" / "logstash-9.9.9-linux-x86_64.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname=src.name)
    return archive


def download_signed(tmp_path: Path, archive: Path, key_file: Path, fingerprint: str) -> subprocess.CompletedProcess:
    script = tmp_path / "t.sh"
    script.write_text(f"set -euo pipefail\n. {STAGES / 'lib.sh'}\n. {STAGES / 'logstash.sh'}\n"
                      f"download_signed file://{archive} {tmp_path / 'cache' / archive.name}\n")
    env = {"PATH": "/usr/bin:/bin", "ELASTIC_KEY_FINGERPRINT": fingerprint, "ELASTIC_KEY_URL": f"file://{key_file}",
           **{k: "x" for k in ("LOGSTASH_VERSION", "LOGSTASH_URL", "LOGSTASH_HOME", "LOGSTASH_SETTINGS",
                                "LOGSTASH_RELEASE_DIR", "LOGSTASH_DATA", "LOGSTASH_LOGS", "DOWNLOAD_CACHE",
                                "GNUPG_PACKAGE")}}
    (tmp_path / "cache").mkdir(exist_ok=True)
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60, env=env)


def published_key(tmp_path: Path, keys: Keys, *names: str) -> Path:
    path = tmp_path / "published" / "GPG-KEY"
    path.write_bytes(keys.export(*names))
    return path


def test_a_release_signed_by_the_pinned_key_is_kept_with_its_signature(tmp_path, keys):
    pinned = keys.make("elastic")
    archive = release(tmp_path)
    keys.sign("elastic", archive)
    done = download_signed(tmp_path, archive, published_key(tmp_path, keys, "elastic"), pinned)
    assert done.returncode == 0, done.stderr
    cached = tmp_path / "cache" / archive.name
    assert cached.read_bytes() == archive.read_bytes() and Path(f"{cached}.asc").exists()
    # The cached copy is checked again and used: nothing is fetched a second time.
    archive.unlink()
    again = download_signed(tmp_path, archive, published_key(tmp_path, keys, "elastic"), pinned)
    assert again.returncode == 0 and "downloading" not in again.stderr, again.stderr


def test_a_tampered_release_is_refused_and_nothing_is_kept(tmp_path, keys):
    pinned = keys.make("elastic")
    archive = release(tmp_path)
    keys.sign("elastic", archive)
    archive.write_bytes(archive.read_bytes() + b"tampered")
    refused = download_signed(tmp_path, archive, published_key(tmp_path, keys, "elastic"), pinned)
    assert refused.returncode != 0 and "signature does not match" in refused.stderr, refused.stderr
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("published, refusal", [
    # The key file lacks the pinned key.
    (("rogue",), "is not Elastic's"),
    # The key file holds the pinned key and a second one, which made the signature.
    (("elastic", "rogue"), "signature does not match"),
], ids=["without-the-pinned-key", "signed-by-another-key-in-the-file"])
def test_a_release_signed_by_another_key_is_refused(tmp_path, keys, published, refusal):
    pinned = keys.make("elastic")
    keys.make("rogue")
    archive = release(tmp_path)
    keys.sign("rogue", archive)
    refused = download_signed(tmp_path, archive, published_key(tmp_path, keys, *published), pinned)
    assert refused.returncode != 0 and refusal in refused.stderr, refused.stderr
    assert list((tmp_path / "cache").iterdir()) == []
