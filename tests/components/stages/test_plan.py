"""Plans: what a stage ships, how it is named, digested and how its secrets travel."""
import base64
import dataclasses

from components.errors import Secret
from components.stages import STAGES, base, java, topics
from components.stages.plan import File, Plan, properties, systemd_unit
from components.stages.kafka import bootstrap_servers
from tests.workspace_paths import ROOT


def test_bundle_ships_scripts_env_and_a_manifest():
    plan = Plan(stage="java", files=(File("/etc/x", "hello", "0600", "root:root"),), env={"A": "it's"})
    bundle = plan.bundle()
    assert set(bundle) == {"apply.sh", "lib.sh", "stage.sh", "stage.env", "manifest", "files/000"}
    assert bundle["stage.env"] == ("A='it'\"'\"'s'\nSERVICE_RECORDS='/var/lib/kafka-pipeline/services'\n"
                                   "STAGE_LOG='/var/log/kafka-pipeline/stages.log'\nSTAGE_NAME='java'\n")
    assert bundle["manifest"] == "0600 root:root files/000 /etc/x\n"


def test_two_stages_may_share_a_script():
    script = Plan(stage="source", script_name="pipeline").bundle()["stage.sh"]
    assert script == (ROOT / "scripts" / "stages" / "pipeline.sh").read_text()
    assert Plan(stage="sink", script_name="pipeline").bundle()["stage.sh"] == script


def test_digest_follows_content_but_not_secret_values():
    a = Plan(stage="java", files=(File("/etc/x", "1"),), secrets={"S": Secret("one")})
    assert a.digest() == Plan(stage="java", files=(File("/etc/x", "1"),), secrets={"S": Secret("two")}).digest()
    assert a.digest() != Plan(stage="java", files=(File("/etc/x", "2"),), secrets={"S": Secret("one")}).digest()
    assert "one" not in a.digest() and "one" not in repr(a)


def test_secrets_travel_as_base64_lines():
    plan = Plan(stage="sink", secrets={"SINK_PASSWORD": Secret('p@ss "word"\\')})
    name, value = plan.stdin().rstrip("\n").split("\t")
    assert name == "SINK_PASSWORD" and base64.b64decode(value).decode() == 'p@ss "word"\\'


def test_each_secret_travels_on_its_own_line():
    plan = Plan(stage="source", secrets={"SOURCE_B": Secret("two"), "SOURCE_A": Secret("one")})
    lines = [line.split("\t") for line in plan.stdin().splitlines()]
    assert [(name, base64.b64decode(value).decode()) for name, value in lines] == [("SOURCE_A", "one"), ("SOURCE_B", "two")]


def test_every_stage_names_itself_in_its_log_lines(make_settings, broker):
    for stage in (base, java, topics):
        assert f"STAGE_NAME='{stage.NAME}'" in stage.plan(make_settings(), broker).bundle()["stage.env"]


def test_the_registry_holds_every_stage_module_under_its_name():
    assert set(STAGES) == {"base", "java", "zookeeper", "kafka", "topics", "logins", "kafka_client", "grants", "logstash",
                           "source", "sink"}


def test_properties_escape_what_java_would_read_otherwise():
    # Java's Properties.load reads a backslash as an escape and ends a value at a newline.
    assert properties({"b": "C:\\data", "a": "one\ntwo", "c": True}) == "a=one\\ntwo\nb=C:\\\\data\nc=true\n"


def test_a_manifest_lists_every_file_on_its_own_line():
    plan = Plan(stage="java", files=(File("/etc/x", "1", "0600", "root:root"), File("/etc/y", "2")))
    assert plan.bundle()["manifest"] == "0600 root:root files/000 /etc/x\n0644 root files/001 /etc/y\n"


def test_a_unit_key_given_a_tuple_is_repeated():
    assert systemd_unit({"Service": {"EnvironmentFile": ("/a", "-/b")}}) == \
        "[Service]\nEnvironmentFile=/a\nEnvironmentFile=-/b\n"


def test_every_registered_stage_plans_under_its_registered_name(make_settings, broker):
    # The name is its bundle's folder, its command's name and its log lines' tag.
    from components.stages.plan import Facts
    settings = make_settings({"kafka": {"version": "3.9.1", "mode": "zookeeper"}})
    for name, stage in STAGES.items():
        facts = broker if name in ("base", "java", "zookeeper", "kafka", "topics") else \
            dataclasses.replace(broker, login_seed=Secret("seed")) if name == "logins" else \
            Facts(role="producer", bootstrap="b-1.msk:9096", login_seed=Secret("seed")) if name in ("kafka_client", "grants") else \
            Facts(role="producer" if name == "source" else "consumer", bootstrap=bootstrap_servers(("10.0.0.5",)))
        assert stage(settings, facts).stage == name
