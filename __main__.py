"""kafka-pipeline: Producer -> Kafka -> Consumer. Config in, components built, commands out."""
import pulumi

from components import operator, platform, settings as config
from components.queues import QUEUES
from components.registries import PLUGINS
from components.logstash_consumer import LogstashConsumer, LogstashConsumerArgs
from components.logstash_producer import LogstashProducer, LogstashProducerArgs
from components.stages import kafka as kafka_stage, logstash as logstash_stage
from components.tags import tags


def detect_ip() -> str:
    try:
        ip = operator.detect_public_ip()
    except OSError as error:
        raise pulumi.RunError(str(error)) from None
    pulumi.log.info(f"sshCidrs is not set: allowing SSH from your current public IP {ip}/32")
    return ip


settings = config.load(PLUGINS, detect_ip=detect_ip)
hosts = platform.create(settings, tags(settings))
built = QUEUES[settings.kafka.provider](settings, hosts)
queue, kafka = built.queue, built.server
for name, value in built.exports.items():
    pulumi.export(name, value)

pipelines = {}
for student in settings.students or [None]:
    suffix = f"-{student}" if student else ""
    # Placed by name, never by position: a roster change must not move anyone else's hosts.
    placement = config.placement(student)
    producer = LogstashProducer(f"kafka-producer{suffix}", LogstashProducerArgs(
        settings, hosts, queue, student, placement=placement))
    # A queue with topics and grants to make (MSK) has them made by the first producer's host.
    queue = producer.queue
    consumer = LogstashConsumer(f"kafka-consumer{suffix}", LogstashConsumerArgs(
        settings, hosts, queue, student, placement=placement))
    pipelines[student] = (producer, consumer)

access = operator.Access(settings.stack, settings.os.user, byo_key=hosts.private_key is None)
pulumi.export("platform", settings.platform)
pulumi.export("bootstrapServers", queue.bootstrap_servers)
pulumi.export("kafkaProvider", settings.kafka.provider)
pulumi.export("topics", [t.name for t in config.all_topics(settings)])
if hosts.private_key is not None:
    pulumi.export("sshPrivateKey", hosts.private_key)
    pulumi.export("saveSshKey", access.save_key_command())
if kafka is None:
    # A Kafka the user runs: the operator's tools dial it as given.
    pulumi.export("operatorBootstrap", queue.bootstrap_servers)
else:
    pulumi.export("brokerPrivateIps", kafka.private_ips)
    pulumi.export("brokerAddresses", kafka.addresses)
    pulumi.export("operatorBootstrap", kafka_stage.operator_bootstrap(settings.kafka.brokers))
    pulumi.export(config.KAFKA_VERSION_OUTPUT, settings.kafka.version)
    pulumi.export("sshBroker", kafka.addresses.apply(lambda ips: [access.ssh(ip) for ip in ips]))
    pulumi.export("kafkaTunnels", kafka.addresses.apply(
        lambda ips: [access.tunnel(ip, n) for n, ip in enumerate(ips, 1)]))
    # Where Kafka lives on a broker, and what a Kafka user runs first there.
    pulumi.export("kafkaOnBroker", {"home": kafka_stage.HOME, "config": kafka_stage.CONFIG,
                                    "data": kafka_stage.DATA_DIR, "logs": "sudo journalctl -u kafka"})
    first_topic = config.all_topics(settings)[0].name
    # With sasl_ssl, the broker's loopback listener: the operator's SSH login is the authentication.
    on_broker = kafka.private_ips.apply(lambda ips: kafka_stage.on_broker_bootstrap(settings, ips[0]))
    pulumi.export("listTopics", pulumi.Output.all(kafka.addresses, on_broker).apply(
        lambda v: access.on_host(v[0][0], f"{kafka_stage.HOME}/bin/kafka-topics.sh --bootstrap-server {v[1]} --list")))
    pulumi.export("consoleConsumer", pulumi.Output.all(kafka.addresses, on_broker).apply(
        lambda v: access.on_host(v[0][0], f"{kafka_stage.HOME}/bin/kafka-console-consumer.sh --bootstrap-server "
                                          f"{v[1]} --topic {first_topic} --from-beginning")))

def host_commands(producer: LogstashProducer, consumer: LogstashConsumer) -> dict:
    return {
        "sshProducer": producer.address.apply(access.ssh),
        "sshConsumer": consumer.address.apply(access.ssh),
        "watchConsumer": consumer.address.apply(access.watch),
    }


# Every host as data, by name ({role, address, user, sshKey, ...}): operator tools and tests read
# this, never a command string.
brokers = {} if kafka is None else pulumi.Output.all(kafka.addresses, kafka.private_ips).apply(lambda v: {
    f"broker-{n}": access.host("broker", address, privateIp=ip, operatorPort=kafka_stage.operator_port(n))
    for n, (address, ip) in enumerate(zip(*v), 1)})
logstash_hosts = {f"{role}-{student}" if student else role: host.address.apply(
    lambda address, r=role, s=student: access.host(r, address, monitoringPort=logstash_stage.API_PORT,
                                                  **({"student": s} if s else {})))
    for student, pair in pipelines.items() for role, host in zip(("producer", "consumer"), pair)}
pulumi.export("hosts", pulumi.Output.all(brokers, pulumi.Output.all(**logstash_hosts)).apply(lambda v: {**v[0], **v[1]}))

if settings.students:
    pulumi.export("students", {student: {"topic": producer.topic, **host_commands(producer, consumer)}
                               for student, (producer, consumer) in pipelines.items()})
else:
    for key, value in host_commands(*pipelines[None]).items():
        pulumi.export(key, value)
pulumi.export("estimatedCost", hosts.cost_estimate())
