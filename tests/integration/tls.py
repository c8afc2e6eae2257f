"""A certificate authority and broker certificates for the namespace hosts, made with the openssl
tool as the deployment makes them with pulumi-tls: EC P-256 keys in PKCS#8 (the only kind Kafka's
PEM key store reads), the CA's certificate as trust store, and each broker's certificate naming
kafka_listeners.BROKER_SUBJECT with the broker's private address as its SAN."""
from __future__ import annotations

import subprocess
from pathlib import Path

from components.stages.kafka_listeners import BROKER_SUBJECT, KEYSTORE_FILE, TRUSTSTORE_FILE


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, text=True)


def authority(folder: Path) -> Path:
    """The CA's key and certificate in `folder`; returns the certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key", cwd=folder)
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=kafka-pipeline test CA", "-days", "2",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-out", TRUSTSTORE_FILE, cwd=folder)
    return folder / TRUSTSTORE_FILE


def broker_material(ca_folder: Path, tls_dir: Path, address: str) -> None:
    """The broker's key store (key, then certificate) and the trust store, in its TLS folder."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "broker.key", cwd=tls_dir)
    openssl("req", "-new", "-key", "broker.key", "-subj", f"/{BROKER_SUBJECT}", "-out", "broker.csr", cwd=tls_dir)
    (tls_dir / "broker.ext").write_text(f"subjectAltName=IP:{address}\nextendedKeyUsage=serverAuth,clientAuth\n"
                                        "keyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", "broker.csr", "-CA", str(ca_folder / TRUSTSTORE_FILE), "-CAkey",
            str(ca_folder / "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", "broker.ext", "-out", "broker.crt",
            cwd=tls_dir)
    (tls_dir / KEYSTORE_FILE).write_text((tls_dir / "broker.key").read_text() + (tls_dir / "broker.crt").read_text())
    (tls_dir / TRUSTSTORE_FILE).write_text((ca_folder / TRUSTSTORE_FILE).read_text())
    for leftover in ("broker.key", "broker.csr", "broker.crt", "broker.ext"):
        (tls_dir / leftover).unlink()
