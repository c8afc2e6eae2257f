"""kafka-pipeline: Producer -> Kafka -> Consumer on EC2. Config in, components built, commands out."""
import pulumi

from components import operator, settings as config
from components.host import Catalog
from components.kafka_server import KafkaServer, KafkaServerArgs
from components.logstash_consumer import LogstashConsumer, LogstashConsumerArgs
from components.logstash_producer import LogstashProducer, LogstashProducerArgs
from components.network import Network, NetworkArgs
from components.stages.kafka import OPERATOR_PORT
from components.tags import tags


def detect_ip() -> str:
    try:
        ip = operator.detect_public_ip()
    except OSError as error:
        raise pulumi.RunError(str(error)) from None
    pulumi.log.info(f"sshCidrs is not set: allowing SSH from your current public IP {ip}/32")
    return ip


settings = config.load(detect_ip=detect_ip)
stack = settings.stack
byo_key = settings.ssh_public_key is not None

network = Network("pipeline", NetworkArgs(settings, tags(settings)))
catalog = Catalog()
kafka = KafkaServer("kafka-server", KafkaServerArgs(settings, network, catalog))

pipelines = {}
for i, student in enumerate(settings.students or [None]):
    suffix = f"-{student}" if student else ""
    producer = LogstashProducer(f"kafka-producer{suffix}", LogstashProducerArgs(
        settings, network, catalog, kafka.private_ips, student, subnet_index=i))
    consumer = LogstashConsumer(f"kafka-consumer{suffix}", LogstashConsumerArgs(
        settings, network, catalog, kafka.private_ips, student, subnet_index=i))
    pipelines[student] = (producer, consumer)

broker_public = kafka.public_ips
pulumi.export("brokerPrivateIps", kafka.private_ips)
pulumi.export("brokerPublicIps", broker_public)
pulumi.export("bootstrapServers", kafka.bootstrap_servers)
pulumi.export("operatorBootstrap", f"localhost:{OPERATOR_PORT}")
pulumi.export("topics", [t.name for t in config.all_topics(settings)])
if not byo_key:
    pulumi.export("sshPrivateKey", network.private_key)
    pulumi.export("saveSshKey", operator.save_key_command(stack))
pulumi.export("sshBroker", broker_public.apply(lambda ips: [operator.ssh_command(stack, ip, byo_key) for ip in ips]))
pulumi.export("kafkaTunnel", broker_public.apply(lambda ips: operator.tunnel_command(stack, ips[0], byo_key)))
if settings.students:
    pulumi.export("students", {
        student: {
            "topic": producer.topic,
            "sshProducer": producer.public_ip.apply(lambda ip: operator.ssh_command(stack, ip, byo_key)),
            "sshConsumer": consumer.public_ip.apply(lambda ip: operator.ssh_command(stack, ip, byo_key)),
            "watchConsumer": consumer.public_ip.apply(lambda ip: operator.watch_command(stack, ip, byo_key)),
        }
        for student, (producer, consumer) in pipelines.items()
    })
else:
    producer, consumer = pipelines[None]
    pulumi.export("sshProducer", producer.public_ip.apply(lambda ip: operator.ssh_command(stack, ip, byo_key)))
    pulumi.export("sshConsumer", consumer.public_ip.apply(lambda ip: operator.ssh_command(stack, ip, byo_key)))
    pulumi.export("watchConsumer", consumer.public_ip.apply(lambda ip: operator.watch_command(stack, ip, byo_key)))
pulumi.export("estimatedCost", operator.cost_estimate(settings))
