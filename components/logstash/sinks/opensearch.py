"""Events indexed into OpenSearch: the logstash-output-opensearch plugin, installed on the consumer.

Basic auth is optional, as for the plugin: `user` and `password` together, or neither. The password
is a secret (`${SINK_PASSWORD}` in the config). `sslCertificateVerification: false` accepts a
self-signed certificate, as a fresh OpenSearch demo cluster has; keep it on otherwise.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece
from components.logstash.refusals import basic_auth_pair, uri_host

OPTIONS = {
    "hosts": o.urls(doc="OpenSearch URLs, e.g. [\"https://search.example.org:9200\"]"),
    "index": o.text(default="kafka-pipeline-%{+YYYY.MM.dd}", doc="index name; %{field} references allowed"),
    "user": o.text(default=None, doc="user name for basic auth (with password)"),
    "password": o.secret(default=None, doc="password for basic auth (with user)"),
    "sslCertificateVerification": o.flag(default=True, doc="verify the server's TLS certificate"),
}


def check(path: str, options: Mapping[str, Any]) -> None:
    """Basic auth needs both halves; a lone one is a mistake the plugin would only report at runtime.
    Each host must be one Logstash's URI type reads a host from."""
    for i, url in enumerate(options["hosts"]):
        uri_host(f"{path}.hosts[{i}]", url)
    basic_auth_pair(path, options["user"], options["password"])


def render(options: Mapping[str, Any]) -> Piece:
    auth = {"user": options["user"], "password": options["password"]} if options["user"] is not None else {}
    return Piece(blocks=(Plugin("opensearch", {
        "hosts": list(options["hosts"]),
        "index": options["index"],
        **auth,
        "ssl_certificate_verification": options["sslCertificateVerification"],
    }),), install=("logstash-output-opensearch",))
