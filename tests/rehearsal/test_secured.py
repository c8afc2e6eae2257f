"""The rehearsal with kafka.security sasl_ssl: the real program on local hosts, with the stack's own
authority (pulumi-tls), the brokers' TLS, the clients' SCRAM logins and grants made by the logins
stage, real Kafka and real Logstash. Events flow end to end; the client port refuses plaintext;
the operator's tools still work through the SSH tunnel; and no secret shows in a process list, a
journal, the stack's plaintext state or a file others may read."""
from __future__ import annotations

import json
import re

import pytest
from kafka import KafkaProducer
from kafka.errors import KafkaError

from components.stages import kafka as kafka_stage, logins, pipeline_files
from tests.rehearsal.scenario import Rehearsal, report

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

STACK, SUBNET = "rehearsal-sec", "10.214.208.0/24"
# In the secrets file, systemd's EnvironmentFile quoting escapes the JAAS line's quotes.
PASSWORD = re.compile(r'password=\\?"([^"\\]+)')


def test_sasl_ssl_carries_events_and_keeps_every_secret_to_itself(capsys):
    with Rehearsal(STACK, SUBNET, {"kafka": {"security": "sasl_ssl"}}) as r:
        r.ws.up()
        remotes = r.hosts()
        broker, producer, consumer = remotes["broker-1"], remotes["producer"], remotes["consumer"]
        first = r.first_event(consumer)

        # The brokers' client port speaks TLS with a login only.
        bootstrap = r.ws.outputs()["bootstrapServers"]
        with pytest.raises(KafkaError):
            KafkaProducer(bootstrap_servers=bootstrap.split(","), max_block_ms=8000,
                          request_timeout_ms=5000).send("twitter", b"plaintext").get(timeout=10)

        # The operator's way in: the SSH tunnel to the loopback listener, and the exported commands.
        smoke = r.ws.script("smoke", r.ws.stack)
        assert smoke.stdout.strip().startswith("OK"), smoke.stdout + smoke.stderr
        on_broker = kafka_stage.on_broker_bootstrap(r.settings, broker.address)
        listed = f"{kafka_stage.HOME}/bin/kafka-topics.sh --bootstrap-server {on_broker} --list"
        assert r.ws.outputs()["listTopics"].endswith(listed)
        assert "twitter" in broker.run(listed).split()

        # Each secret where it belongs, readable by its service's group at most.
        modes = {
            broker: {kafka_stage.KEYSTORE: "640 root kafka", logins.STATE_DIR: "700 root root",
                     logins.ACLS_FILE: "600 root root"},
            producer: {pipeline_files.KAFKA_JAAS: "640 root logstash", pipeline_files.SECRETS_FILE: "600 root root"},
            consumer: {pipeline_files.SECRETS_FILE: "600 root root"},
        }
        for remote, files in modes.items():
            for path, mode in files.items():
                assert remote.run(f"sudo stat -c '%a %U %G' {path}").strip() == mode, (remote.address, path)
        passwords = {name: PASSWORD.search(remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}")).group(1)
                     for name, remote in (("producer", producer), ("consumer", consumer))}
        assert passwords["producer"] != passwords["consumer"]
        key = broker.run(f"sudo sed -n 2p {kafka_stage.KEYSTORE}").strip()  # a line of the broker's private key
        secrets = [*passwords.values(), key]
        for name, remote in remotes.items():
            seen = remote.run("ps -eo args --no-headers") + remote.run("sudo journalctl --no-pager -o cat")
            leaked = [s for s in secrets if s in seen]
            assert not leaked, f"{name}: a secret in its process list or journal"
        state = json.dumps(r.ws.resources())
        assert not [s for s in secrets if s in state], "a secret in the stack's plaintext state"

        # Each pipeline logs in as its own login (what each login may do is proven on the real broker
        # in tests/integration/test_integration_security.py).
        for name, remote in (("producer", producer), ("consumer", consumer)):
            shown = remote.run(f"sudo grep -o 'username=[^ ]*' {pipeline_files.SECRETS_FILE}").strip()
            assert shown.replace("\\", "") == f'username="{name}"', shown

        report(capsys, f"rehearsal sasl_ssl: first event at the consumer {first:.0f}s after start; "
                       "plaintext refused; smoke through the tunnel OK; no secret in ps, journals or state")
