"""Events indexed into OpenSearch: the logstash-output-opensearch plugin, installed on the consumer.

The password is a secret (`${SINK_PASSWORD}` in the config). `sslCertificateVerification: false`
accepts a self-signed certificate, as a fresh OpenSearch demo cluster has; keep it on otherwise.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.logstash import options as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece

OPTIONS = {
    "hosts": o.urls(doc="OpenSearch URLs, e.g. [\"https://search.example.org:9200\"]"),
    "index": o.text(default="kafka-pipeline-%{+YYYY.MM.dd}", doc="index name; %{field} references allowed"),
    "user": o.text(default="admin", doc="user name for basic auth"),
    "password": o.secret(doc="password for basic auth"),
    "sslCertificateVerification": o.flag(default=True, doc="verify the server's TLS certificate"),
}


def render(options: Mapping[str, Any]) -> Piece:
    return Piece(blocks=(Plugin("opensearch", {
        "hosts": list(options["hosts"]),
        "index": options["index"],
        "user": options["user"],
        "password": options["password"],
        "ssl_certificate_verification": options["sslCertificateVerification"],
    }),), install=("logstash-output-opensearch",))
