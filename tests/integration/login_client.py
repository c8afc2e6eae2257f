"""One attempt at a broker as a given login would make it, run inside a namespace:
    python -m tests.integration.login_client SETTINGS_JSON
SETTINGS_JSON names bootstrap, protocol, cafile, user, password_file, action (produce | consume | delete),
topic, group, ids (produce: the event ids to send; consume: how many to wait for). It prints one
JSON line: {"ok": bool, "error": <kafka-python's error class>, "ids": [...]}. The password is
read from a file, never given on a command line.
"""
from __future__ import annotations

import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import TopicAuthorizationFailedError

from components.stages.kafka_listeners import SCRAM


def security(spec: dict) -> dict:
    if spec["protocol"] == "PLAINTEXT":
        return {"security_protocol": "PLAINTEXT"}
    with open(spec["password_file"], encoding="utf-8") as file:
        password = file.read().strip()
    return {"security_protocol": spec["protocol"], "sasl_mechanism": SCRAM, "sasl_plain_username": spec["user"],
            "sasl_plain_password": password, "ssl_cafile": spec["cafile"]}


def produce(spec: dict) -> list[str]:
    producer = KafkaProducer(bootstrap_servers=spec["bootstrap"], acks="all", request_timeout_ms=10_000,
                             max_block_ms=10_000, **security(spec))
    try:
        for event_id in spec["ids"]:
            producer.send(spec["topic"], event_id.encode()).get(timeout=15)
    finally:
        producer.close(timeout=5)
    return spec["ids"]


def consume(spec: dict) -> list[str]:
    consumer = KafkaConsumer(spec["topic"], bootstrap_servers=spec["bootstrap"], group_id=spec["group"],
                             auto_offset_reset="earliest", request_timeout_ms=15_000, **security(spec))
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while len(seen) < spec["ids"] and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                seen.extend(r.value.decode() for r in records)
            # kafka-python raises the broker's metadata refusal of a subscribed topic only inside
            # its metadata listener, where it is logged and dropped: ask the metadata it keeps.
            refused = consumer._client.cluster.unauthorized_topics & {spec["topic"]}
            if refused:
                raise TopicAuthorizationFailedError(refused)
    finally:
        consumer.close()
    return seen


def delete(spec: dict) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=spec["bootstrap"], request_timeout_ms=15_000, **security(spec))
    try:
        admin.delete_topics([spec["topic"]], raise_errors=True)
    finally:
        admin.close()
    return []


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    try:
        ids = {"produce": produce, "consume": consume, "delete": delete}[spec["action"]](spec)
        print(json.dumps({"ok": True, "error": None, "ids": ids}))
    except Exception as error:  # noqa: BLE001 - the class is the answer
        print(json.dumps({"ok": False, "error": type(error).__name__, "detail": str(error)[:300], "ids": []}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
