"""KafkaAuthority: what kafka.security sasl_ssl trusts, made per stack with pulumi-tls (whose plugin
is in the offline bundle): a certificate authority, each broker's key and certificate for its
private address, and the secret seed every Kafka login's password is derived from
(stages/logins.password). Keys live only in Pulumi's encrypted state and reach hosts on stdin.

The seed is an Ed25519 key's private half: pulumi-random's plugin is not in the bundle, and a key the
tls provider generates is as random, stays the same from one `up` to the next, and is a secret."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_tls as tls

from components.stages.kafka_listeners import BROKER_SUBJECT

# Long enough for a lab that lives for years; `early_renewal_hours` renews a certificate on the
# first `up` in its last 30 days.
VALIDITY_HOURS = 5 * 365 * 24
RENEWAL_HOURS = 30 * 24
CURVE = "P256"


@dataclass(frozen=True)
class BrokerTls:
    # The broker's PKCS#8 key followed by its certificate: Kafka's PEM key store (secret).
    keystore: pulumi.Output[str]
    certificate: pulumi.Output[str]


class KafkaAuthority(pulumi.ComponentResource):
    ca_certificate: pulumi.Output[str]
    login_seed: pulumi.Output[str]

    def __init__(self, name: str, stack: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:KafkaAuthority", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)
        self._ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm="ECDSA", ecdsa_curve=CURVE, opts=self._child)
        ca = tls.SelfSignedCert(
            f"{name}-ca", private_key_pem=self._ca_key.private_key_pem, is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"kafka-pipeline {stack} CA", organization="kafka-pipeline"),
            validity_period_hours=VALIDITY_HOURS, early_renewal_hours=RENEWAL_HOURS,
            allowed_uses=["cert_signing", "crl_signing"], opts=self._child)
        self._ca_cert = ca.cert_pem
        self.ca_certificate = ca.cert_pem
        seed = tls.PrivateKey(f"{name}-login-seed", algorithm="ED25519", opts=self._child)
        self.login_seed = pulumi.Output.secret(seed.private_key_openssh)
        self.register_outputs({"caCertificate": self.ca_certificate})

    def broker(self, name: str, private_ip: pulumi.Input[str]) -> BrokerTls:
        """A broker's key and a certificate naming BROKER_SUBJECT with its private address as SAN:
        clients check the address they dial, brokers check each other's on the mutual-TLS listeners."""
        key = tls.PrivateKey(f"{name}-tls-key", algorithm="ECDSA", ecdsa_curve=CURVE, opts=self._child)
        request = tls.CertRequest(f"{name}-tls-request", private_key_pem=key.private_key_pem,
                                  subject=tls.CertRequestSubjectArgs(common_name=BROKER_SUBJECT.removeprefix("CN=")),
                                  ip_addresses=[private_ip], opts=self._child)
        cert = tls.LocallySignedCert(
            f"{name}-tls-cert", cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=self._ca_key.private_key_pem, ca_cert_pem=self._ca_cert,
            validity_period_hours=VALIDITY_HOURS, early_renewal_hours=RENEWAL_HOURS,
            allowed_uses=["digital_signature", "server_auth", "client_auth"], opts=self._child)
        keystore = pulumi.Output.secret(pulumi.Output.all(key.private_key_pem_pkcs8, cert.cert_pem).apply(
            lambda parts: parts[0] + parts[1]))
        return BrokerTls(keystore=keystore, certificate=cert.cert_pem)
