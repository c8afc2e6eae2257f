"""The bench's own arithmetic: which client settings it reads back, what it prices, which chain it
calls critical. Figures are printed by make bench, never asserted; these helpers decide what the
figures mean, so they are tested like the rest."""

from components import cost
from components.logstash.lscl import Plugin
from components.logstash.parse import parse
from components.logstash.pipelines import JAAS_SECRET
from components.settings import group_id
from components.stages import pipeline_files, sink, source
from components.stages.kafka import bootstrap_servers
from components.stages.plan import Facts
from tests.bench import java_clients, prices, timeline
from tests.components.stages.conftest import LOGIN, files
from tests.integration.client import Host
from tests.scripts.jaas import write_jaas
from tests.settings import make

# Options of the kafka plugins that are not Java client tuning: where to connect and what to carry.
NOT_CLIENT_TUNING = {"bootstrap_servers", "topic_id", "topics", "codec", "auto_offset_reset",
                     "decorate_events", "consumer_threads"}


# The bench's Java clients run the plaintext listener (tests/bench/bench.py).
PLAINTEXT = {"kafka": {"security": "plaintext"}}


def rendered(tmp_path, stage, role, settings):
    plan = stage.plan(settings, Facts(role=role, bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN))
    path = tmp_path / f"{role}.conf"
    path.write_text(plan.files[0].content)
    return path


def test_the_java_producer_runs_with_the_settings_our_pipeline_gives_logstash(tmp_path):
    props = java_clients.client_props(rendered(tmp_path, source, "producer", make(PLAINTEXT)), "outputs")
    assert {k: v for k, v in props.items() if k != "client.id"} == {
        "acks": "all", "compression.type": "lz4", "linger.ms": "0", "batch.size": "16384"}


def test_a_changed_producer_setting_reaches_the_java_client(tmp_path):
    settings = make({**PLAINTEXT, "producer": {"acks": "1", "compression": "none"}})
    props = java_clients.client_props(rendered(tmp_path, source, "producer", settings), "outputs")
    assert (props["acks"], props["compression.type"]) == ("1", "none")


def test_no_rendered_kafka_option_is_silently_left_out_of_the_java_clients(tmp_path):
    """A new client setting in a pipeline must be mapped to its Java property or the bench measures
    a client that is not the one users run."""
    for stage, role, section in ((source, "producer", "outputs"), (sink, "consumer", "inputs")):
        for settings in (make(PLAINTEXT), make({})):
            pipeline = parse(rendered(tmp_path, stage, role, settings).read_text())
            kafka = next(p for p in getattr(pipeline, section) if isinstance(p, Plugin) and p.name == "kafka")
            unknown = (set(kafka.options) - set(java_clients.JAVA_NAMES) - set(java_clients.LOGIN_NAMES)
                       - java_clients.LOGIN_FILES - NOT_CLIENT_TUNING)
            assert not unknown, f"{role}: map {sorted(unknown)} in tests/bench/java_clients.JAVA_NAMES"


def test_the_java_clients_log_in_as_the_rendered_pipelines_do(tmp_path):
    """kafka.security sasl_ssl (the default): the producer's login from the JAAS file its host holds,
    the consumer's from the secrets' environment, the CA where the host keeps it."""
    settings = make({})
    for stage, role, section in ((source, "producer", "outputs"), (sink, "consumer", "inputs")):
        plan = stage.plan(settings, Facts(role=role, bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN))
        root = tmp_path / role
        (root / "etc" / "logstash").mkdir(parents=True)
        line = plan.secrets[JAAS_SECRET].value
        assert write_jaas(root / pipeline_files.KAFKA_JAAS.lstrip("/"), "1", line).returncode == 0
        conf = root / "pipeline.conf"
        conf.write_text(files(plan)[pipeline_files.CONFIG])
        props = java_clients.client_props(conf, section, Host(root, {k: v.value for k, v in plan.secrets.items()}))
        assert props["security.protocol"] == "SASL_SSL" and props["sasl.mechanism"] == "SCRAM-SHA-512"
        assert props["sasl.jaas.config"] == line and f'username="{role}"' in line
        if role == "consumer":  # its login may join this group only, so the bench's consumers join it too
            assert props["group.id"] == group_id(settings, None)
        assert (props["ssl.truststore.type"], props["ssl.truststore.location"]) == (
            "PEM", str(root / pipeline_files.KAFKA_CA.lstrip("/")))


def test_the_dev_stack_and_the_tutorial_are_priced_line_by_line_the_same_way():
    dev = prices.hourly(cost.footprint(make({}, stack="dev")))
    tutorial = prices.hourly(cost.TUTORIAL)
    for estimate in (dev, tutorial):
        assert [line["item"].split()[1] for line in estimate["lines"]][-2:] == ["IPv4", "GiB"]
        assert abs(sum(line["usdPerHour"] for line in estimate["lines"]) - estimate["usdPerHour"]) < 1e-9
    assert abs(tutorial["usdPerHour"] - (3 * 0.0576 + 3 * 0.005 + 3 * 8 * 0.114 / 730)) < 1e-6


def test_the_critical_chain_is_the_host_whose_stages_end_last():
    runs = {"producer": [("base", 20, 21), ("source", 22, 35)],
            "broker-1": [("base", 20, 21), ("java", 21, 32), ("topics", 44, 51)]}
    host, chain = timeline.critical_chain(runs)
    assert host == "broker-1" and [s for s, _, _ in chain] == ["base", "java", "topics"]
    last = timeline.render(runs, 64)[-1]
    assert last == ("  critical path: up -> broker-1's host ready at 20s -> base (1s) -> java (11s) "
                    "-> topics (7s) -> first event at the consumer at 64s")



def test_the_density_bench_runs_one_pipeline_per_student_each_from_its_own_rendered_file(tmp_path):
    from tests.bench import density
    names = density.students(3)
    folder = tmp_path / "etc" / "logstash" / "conf.d"
    text = density.pipelines_yml(folder, names)
    assert text == "".join(f'- pipeline.id: {n}\n  path.config: "{folder}/{n}.conf"\n  pipeline.workers: 1\n'
                           for n in names)
    settings = density.settings_for(3)
    assert settings.students == tuple(names)
    topics = {n: sink.plan(settings, Facts(role="consumer", bootstrap="b:9092", student=n, **LOGIN)).files[0].content
              for n in names}
    assert all(f'"twitter-{n}"' in conf for n, conf in topics.items()), "each student's pipeline reads its own topic"
