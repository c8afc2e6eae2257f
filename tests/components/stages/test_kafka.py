from components import releases
from components.stages import kafka, zookeeper
from components.stages.plan import Facts
from tests.components.stages.conftest import PLAINTEXT, TLS, files, props


def test_kraft_single_broker_properties(make_settings, broker):
    p = props(files(kafka.plan(make_settings(PLAINTEXT), broker))["/etc/kafka/server.properties"])
    assert p["process.roles"] == "broker,controller"
    assert p["controller.quorum.voters"] == "1@10.0.0.5:9093"
    assert p["listeners"] == "PLAINTEXT://10.0.0.5:9092,CONTROLLER://10.0.0.5:9093,OPERATOR://127.0.0.1:9094"
    assert p["advertised.listeners"] == "PLAINTEXT://10.0.0.5:9092,OPERATOR://localhost:9094"
    assert p["log.dirs"] == "/var/lib/kafka/data" and not p["log.dirs"].startswith("/tmp")
    assert p["offsets.topic.replication.factor"] == "1" and p["min.insync.replicas"] == "1"
    assert p["auto.create.topics.enable"] == "false"
    assert "zookeeper.connect" not in p


def test_rendering_is_sorted_and_deterministic(make_settings, broker):
    text = files(kafka.plan(make_settings(), broker))["/etc/kafka/server.properties"]
    keys = [line.split("=")[0] for line in text.splitlines()]
    assert keys == sorted(keys)
    assert text == files(kafka.plan(make_settings(), broker))["/etc/kafka/server.properties"]


def test_three_brokers_form_one_quorum(make_settings):
    ips = ("10.0.1.10", "10.0.2.10", "10.0.3.10")
    s = make_settings({"kafka": {"brokers": 3}})
    p = props(files(kafka.plan(s, Facts(role="broker", private_ip=ips[1], brokers=ips, node_id=2, **TLS)))[kafka.CONFIG])
    assert p["node.id"] == "2"
    assert p["controller.quorum.voters"] == "1@10.0.1.10:9093,2@10.0.2.10:9093,3@10.0.3.10:9093"
    assert p["min.insync.replicas"] == "2" and p["default.replication.factor"] == "3"
    assert p["offsets.topic.replication.factor"] == "3"
    assert kafka.bootstrap_servers(ips) == "10.0.1.10:9092,10.0.2.10:9092,10.0.3.10:9092"


def test_zookeeper_mode_points_the_broker_at_local_zookeeper(make_settings, broker):
    s = make_settings({"kafka": {"version": "3.9.1", "mode": "zookeeper"}})
    p = props(files(kafka.plan(s, broker))[kafka.CONFIG])
    assert p["zookeeper.connect"] == "127.0.0.1:2181" and p["broker.id"] == "1"
    assert "process.roles" not in p and "share.coordinator.state.topic.replication.factor" not in p
    assert kafka.plan(s, broker).env["KAFKA_FORMAT_ARGS"] == ""
    z = props(files(zookeeper.plan(s, broker))[zookeeper.CONFIG])
    assert z["clientPortAddress"] == "127.0.0.1" and z["dataDir"] == "/var/lib/zookeeper"
    # The broker finds ZooKeeper where it listens; ZooKeeper's admin server (HTTP on every
    # interface by default) stays off.
    assert f"{z['clientPortAddress']}:{z['clientPort']}" == p["zookeeper.connect"]
    assert z["admin.enableServer"] == "false"
    assert "After=network-online.target zookeeper.service" in files(kafka.plan(s, broker))["/etc/systemd/system/kafka.service"]
    unit = files(zookeeper.plan(s, broker))["/etc/systemd/system/zookeeper.service"]
    assert 'Environment="KAFKA_HEAP_OPTS=-Xmx256m -Xms256m"\n' in unit and "User=kafka" in unit


def test_download_is_pinned_and_follows_the_mirror(make_settings, broker):
    env = kafka.plan(make_settings({"kafka": {"downloadUrl": "https://mirror.example/kafka/"}}), broker).env
    assert env["KAFKA_URL"] == f"https://mirror.example/kafka/{releases.DEFAULT_KAFKA}/kafka_2.13-{releases.DEFAULT_KAFKA}.tgz"
    assert env["KAFKA_SHA512"] == releases.KAFKA[releases.DEFAULT_KAFKA].sha512


def test_a_broker_heap_leaves_512_mib_to_the_os_and_the_page_cache():
    assert kafka.max_heap_mb(2048) == 1536 and kafka.max_heap_mb(4096) == 3584


def test_heap_is_a_quarter_of_memory_within_bounds(make_settings):
    s = make_settings()
    assert kafka.heap_mb(s, Facts(role="broker", memory_mib=4096)) == 1024
    assert kafka.heap_mb(s, Facts(role="broker", memory_mib=512)) == 256
    assert kafka.heap_mb(s, Facts(role="broker", memory_mib=65536)) == 6144
    assert kafka.heap_mb(make_settings({"kafka": {"heapMb": 700}}), Facts(role="broker")) == 700
    env_file = files(kafka.plan(s, Facts(role="broker", memory_mib=8192, private_ip="10.0.0.5", **TLS)))["/etc/kafka/kafka.env"]
    assert env_file == 'KAFKA_HEAP_OPTS="-Xms2048m -Xmx2048m"\n'


def test_cluster_id_is_stable_per_stack_and_a_valid_kafka_uuid(make_settings):
    import base64
    a, b = kafka.cluster_id(make_settings()), kafka.cluster_id(make_settings(stack="class"))
    assert a == kafka.cluster_id(make_settings()) and a != b
    assert len(a) == 22 and len(base64.urlsafe_b64decode(a + "==")) == 16
    assert kafka.format_args(make_settings()) == ["format", "--cluster-id", a, "--config", kafka.CONFIG,
                                                 "--ignore-formatted"]


def test_broker_runs_under_systemd_as_its_own_user(make_settings, broker):
    unit = files(kafka.plan(make_settings(), broker))["/etc/systemd/system/kafka.service"]
    assert "User=kafka" in unit and "Restart=on-failure" in unit
    assert "ExecStart=/opt/kafka/bin/kafka-server-start.sh /etc/kafka/server.properties" in unit


def test_a_cluster_id_is_stable_per_stack_and_never_read_as_an_option(make_settings):
    # "exp-reboot2" hashed to an id starting with "-": kafka-storage refused it as a missing argument.
    ids = {stack: kafka.cluster_id(make_settings(stack=stack)) for stack in ("exp-reboot2", "dev", "class")}
    assert not any(i.startswith("-") for i in ids.values()) and len(set(ids.values())) == 3
    # Unchanged for a stack whose id never started with "-": its brokers keep the cluster they formatted.
    assert ids["dev"] == kafka.cluster_id(make_settings(stack="dev")) == "8fVGW0PS1DSwoSvtM60hNQ"
    assert all(len(i) == 22 for i in ids.values())


def test_zookeeper_waits_on_its_own_port_and_restarts_on_whatever_it_runs_from(make_settings, broker):
    s = make_settings({"kafka": {"version": "3.9.1", "mode": "zookeeper"}})
    plan = zookeeper.plan(s, broker)
    assert plan.env["ZOOKEEPER_PORT"] == props(files(plan)[zookeeper.CONFIG])["clientPort"]
    assert plan.env["SERVICE_INPUTS"].split() == [zookeeper.CONFIG, zookeeper.UNIT_FILE, kafka.HOME]


# The broker's whole configuration, as it is decided: what Kafka reads is the spec, and every line
# here is a choice (no auto-created topics, no unclean election, ISR 2 of 3 for every internal topic,
# a week's retention, no rebalance delay for a lab's single consumer). The real broker runs it in
# tests/integration.
COMMON = {
    "auto.create.topics.enable": "false", "group.initial.rebalance.delay.ms": "0",
    "inter.broker.listener.name": "PLAINTEXT", "log.dirs": "/var/lib/kafka/data", "log.retention.hours": "168",
    "num.partitions": "1", "unclean.leader.election.enable": "false",
}
ONE = {"default.replication.factor": "1", "min.insync.replicas": "1", "offsets.topic.replication.factor": "1",
       "transaction.state.log.min.isr": "1", "transaction.state.log.replication.factor": "1"}
KRAFT = {"controller.listener.names": "CONTROLLER", "process.roles": "broker,controller",
         "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,OPERATOR:PLAINTEXT"}


def test_one_kraft_broker_in_full(make_settings, broker):
    plan = kafka.plan(make_settings(PLAINTEXT), broker)
    assert props(files(plan)[kafka.CONFIG]) == {
        **COMMON, **ONE, **KRAFT,
        "advertised.listeners": "PLAINTEXT://10.0.0.5:9092,OPERATOR://localhost:9094",
        "controller.quorum.voters": "1@10.0.0.5:9093",
        "listeners": "PLAINTEXT://10.0.0.5:9092,CONTROLLER://10.0.0.5:9093,OPERATOR://127.0.0.1:9094",
        "node.id": "1",
        "share.coordinator.state.topic.min.isr": "1", "share.coordinator.state.topic.replication.factor": "1",
    }
    assert plan.env["KAFKA_FORMAT_ARGS"] == (f"format --cluster-id {kafka.cluster_id(make_settings(PLAINTEXT))} "
                                             "--config /etc/kafka/server.properties --ignore-formatted")
    assert plan.env["KAFKA_WAIT"] == "10.0.0.5:9092"   # one node: its client port opens at once
    assert plan.env["SERVICE_INPUTS"].split() == [kafka.CONFIG, kafka.ENV_FILE, kafka.UNIT_FILE, kafka.HOME]


def test_a_quorum_member_in_full(make_settings):
    ips = ("10.0.1.10", "10.0.2.10", "10.0.3.10")
    plan = kafka.plan(make_settings({"kafka": {"brokers": 3, "security": "plaintext"}}),
                      Facts(role="broker", private_ip=ips[1], brokers=ips, node_id=2))
    assert props(files(plan)[kafka.CONFIG]) == {
        **COMMON, **KRAFT,
        "advertised.listeners": "PLAINTEXT://10.0.2.10:9092,OPERATOR://localhost:9095",
        "controller.quorum.voters": "1@10.0.1.10:9093,2@10.0.2.10:9093,3@10.0.3.10:9093",
        "listeners": "PLAINTEXT://10.0.2.10:9092,CONTROLLER://10.0.2.10:9093,OPERATOR://127.0.0.1:9095",
        "node.id": "2",
        "default.replication.factor": "3", "min.insync.replicas": "2", "offsets.topic.replication.factor": "3",
        "transaction.state.log.min.isr": "2", "transaction.state.log.replication.factor": "3",
        "share.coordinator.state.topic.min.isr": "2", "share.coordinator.state.topic.replication.factor": "3",
    }
    # A quorum member serves clients only once a majority runs: its controller port proves it started.
    assert plan.env["KAFKA_WAIT"] == "10.0.2.10:9093"


def test_a_zookeeper_broker_in_full(make_settings, broker):
    plan = kafka.plan(make_settings({"kafka": {"version": "3.9.1", "mode": "zookeeper"}}), broker)
    assert props(files(plan)[kafka.CONFIG]) == {
        **COMMON, **ONE,
        "advertised.listeners": "PLAINTEXT://10.0.0.5:9092,OPERATOR://localhost:9094",
        "broker.id": "1",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,OPERATOR:PLAINTEXT",
        "listeners": "PLAINTEXT://10.0.0.5:9092,OPERATOR://127.0.0.1:9094",
        "zookeeper.connect": "127.0.0.1:2181", "zookeeper.connection.timeout.ms": "18000",
    }
    assert plan.env["KAFKA_FORMAT_ARGS"] == "" and plan.env["KAFKA_WAIT"] == "10.0.0.5:9092"


def test_the_broker_unit_in_full(make_settings, broker):
    # Misspelt keys are only warnings to systemd: the service would run without its limits.
    unit = files(kafka.plan(make_settings(), broker))[kafka.UNIT_FILE]
    assert unit == (
        "[Unit]\nDescription=Apache Kafka broker (kafka-pipeline)\nWants=network-online.target\n"
        "After=network-online.target\n\n"
        "[Service]\nUser=kafka\nGroup=kafka\nEnvironmentFile=/etc/kafka/kafka.env\nEnvironment=LOG_DIR=/var/log/kafka\n"
        "ExecStart=/opt/kafka/bin/kafka-server-start.sh /etc/kafka/server.properties\nRestartSec=5\n"
        "LimitNOFILE=100000\nTimeoutStopSec=120\nRestart=on-failure\n\n"
        "[Install]\nWantedBy=multi-user.target\n")

