"""KafkaServer under mocks: brokers, their quorum, the topics after the whole quorum."""
from __future__ import annotations

from tests.program import DEV, Mocks, rendered, run



def test_broker_advertises_its_own_private_ip(dev):
    broker_ip = dev.value("brokerPrivateIps")[0]
    props = rendered(dev, "kafka-server", "kafka")["files/000"]
    assert f"advertised.listeners=CLIENT://{broker_ip}:9092,BROKER://{broker_ip}:9091," in props
    assert "log.dirs=/var/lib/kafka/data" in props



def test_three_brokers_spread_over_zones_and_every_client_names_them_all(monkeypatch):
    result = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch)
    brokers = [r for r in result.of_type("aws:ec2/instance:Instance") if r.name.startswith("kafka-server")]
    assert sorted(b.name for b in brokers) == ["kafka-server", "kafka-server-2", "kafka-server-3"]
    assert sorted(b.inputs["subnetId"] for b in brokers) == ["subnet-a", "subnet-b", "subnet-c"]
    ips = result.value("brokerPrivateIps")
    bootstrap = ",".join(f"{ip}:9092" for ip in ips)
    assert result.value("bootstrapServers") == bootstrap
    for host in ("kafka-producer", "kafka-consumer"):
        stage = "source" if host.endswith("producer") else "sink"
        assert f'bootstrap_servers => "{bootstrap}"' in rendered(result, host, stage)["files/000"]
    producer = rendered(result, "kafka-producer", "source")["files/000"]
    assert 'acks => "all"' in producer
    props = rendered(result, "kafka-server-2", "kafka")["files/000"]
    assert "node.id=2" in props and "min.insync.replicas=2" in props
    assert "controller.quorum.voters=" + ",".join(f"{i}@{ip}:9093" for i, ip in enumerate(ips, 1)) in props
    topics = rendered(result, "kafka-server", "topics")["files/000"]
    assert "--replication-factor 3" in topics
    # Each broker advertises its own operator port; one tunnel per broker reaches every leader.
    for n, node in enumerate(("kafka-server", "kafka-server-2", "kafka-server-3"), 1):
        assert f"OPERATOR://localhost:{9093 + n}" in rendered(result, node, "kafka")["files/000"]
    assert result.value("operatorBootstrap") == "localhost:9094,localhost:9095,localhost:9096"
    hosts = result.value("hosts")
    brokers = [hosts[f"broker-{n}"] for n in (1, 2, 3)]
    assert [b["address"] for b in brokers] == result.value("brokerAddresses")
    assert [b["operatorPort"] for b in brokers] == [9094, 9095, 9096]
    assert result.value("kafkaTunnels") == [f"ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@{b['address']} -N -L "
                                            f"{b['operatorPort']}:localhost:{b['operatorPort']}" for b in brokers]



def test_topics_wait_for_every_broker_of_the_quorum(monkeypatch):
    result = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch)
    assert {"kafka-server-kafka", "kafka-server-2-kafka", "kafka-server-3-kafka"} <= result.waits_for(
        "kafka-server-topics")



def test_the_first_broker_keeps_its_name_whatever_the_count(monkeypatch):
    """From one broker to three, the first broker and its stages stay what they were; a quorum
    deployed when it was called kafka-server-1 keeps its resources through an alias."""
    one = {r.name for r in run(DEV, monkeypatch=monkeypatch).of_type("aws:ec2/instance:Instance")}
    mocks = Mocks()
    three = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch, mocks=mocks)
    assert "kafka-server" in one and "kafka-server" in {r.name for r in three.of_type("aws:ec2/instance:Instance")}
    assert three.monitor.aliases["kafka-server"] == ["kafka-server-1"]
    assert three.monitor.aliases["kafka-server-kafka"] == ["kafka-server-1-kafka"]
    assert "kafka-server-2" not in three.monitor.aliases
