"""MskCluster: the queue as an Amazon MSK provisioned cluster in the stack's VPC, one broker per
availability zone. Clients log in with SASL/SCRAM over TLS (port 9096): each pipeline's login and
the administrator's are Secrets Manager secrets named AmazonMSK_..., encrypted with a customer
managed KMS key (MSK takes no secret under the default key), associated with the cluster. The
passwords come from one secret seed of the stack, as on our brokers (stages/logins.password), so
the pipelines' stages compute the same ones. The brokers' security group admits the pipeline's
hosts only. Topics and grants are made from the first producer's host (Queue.admin_stages)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.errors import Secret
from components.platform.aws import AwsPlatform
from components.queue import Queue
from components.settings import Settings, login_names as pipeline_logins
from components.stages import grants, java, kafka_client, logins, topics
from components.tags import tags

# MSK's port for SASL/SCRAM from inside AWS (docs.aws.amazon.com/msk/latest/developerguide/port-info.html).
SCRAM_PORT = 9096
# A secret MSK may use must be named so.
SECRET_PREFIX = "AmazonMSK_"


@dataclass(frozen=True)
class MskClusterArgs:
    settings: Settings
    platform: AwsPlatform


def login_names(settings: Settings) -> tuple[str, ...]:
    """The administrator's login, then each pipeline's."""
    return (kafka_client.ADMIN, *pipeline_logins(settings))


def secret_value(seed: str, name: str) -> str:
    """A login's secret as MSK reads it: {"username", "password"}."""
    return json.dumps({"username": name, "password": logins.password(Secret(seed), name).value})


class MskCluster(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    queue: Queue

    def __init__(self, name: str, args: MskClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:MskCluster", name, None, opts)
        settings, platform, msk = args.settings, args.platform, args.settings.kafka.msk
        child = pulumi.ResourceOptions(parent=self)
        labels = tags(settings, "broker")
        subnets = platform.zone_subnets[:msk.brokers]
        if len(subnets) < msk.brokers:
            raise pulumi.RunError(f"kafka.msk.brokers is {msk.brokers}, one per availability zone, and the default VPC "
                                  f"of {settings.region} has default subnets in {len(subnets)} zones: set "
                                  f"kafka.msk.brokers {len(subnets)}. Nothing was created.")
        key = aws.kms.Key(f"{name}-key", description=f"kafka-pipeline {settings.stack}: MSK data and its logins",
                          enable_key_rotation=True, deletion_window_in_days=7, tags=labels, opts=child)
        seed = pulumi.Output.secret(tls.PrivateKey(f"{name}-login-seed", algorithm="ED25519",
                                                   opts=child).private_key_openssh)
        secrets, versions = [], []
        for login in login_names(settings):
            secret = aws.secretsmanager.Secret(
                f"{name}-login-{login}", name_prefix=f"{SECRET_PREFIX}{settings.project}-{settings.stack}-{login}-",
                kms_key_id=key.arn, description=f"kafka-pipeline {settings.stack}: the MSK login {login}",
                # Gone with the stack at once: a secret waiting out a recovery window keeps the cluster's
                # association and the name.
                recovery_window_in_days=0, tags=labels, opts=child)
            versions.append(aws.secretsmanager.SecretVersion(
                f"{name}-login-{login}-value", secret_id=secret.id,
                secret_string=pulumi.Output.secret(seed.apply(lambda s, n=login: secret_value(s, n))), opts=child))
            secrets.append(secret)

        group = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=platform.vpc_id,
                                      description="kafka-pipeline: MSK brokers, only from the pipeline's hosts",
                                      tags={**labels, "Name": f"{name}-sg"}, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-pipeline", security_group_id=group.id, ip_protocol="tcp", from_port=SCRAM_PORT,
            to_port=SCRAM_PORT, referenced_security_group_id=platform.security_group_id,
            description="Kafka clients (SASL/SCRAM over TLS), only from hosts of this pipeline", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-brokers", security_group_id=platform.security_group_id, ip_protocol="tcp",
            from_port=SCRAM_PORT, to_port=SCRAM_PORT, referenced_security_group_id=group.id,
            description="the pipeline's hosts to the MSK brokers", opts=child)

        cluster = aws.msk.Cluster(
            name, cluster_name=f"{settings.project}-{settings.stack}", kafka_version=msk.version,
            number_of_broker_nodes=msk.brokers,
            broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                instance_type=msk.instance_type, client_subnets=list(subnets), security_groups=[group.id],
                storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                        volume_size=msk.volume_gb))),
            client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                sasl=aws.msk.ClusterClientAuthenticationSaslArgs(scram=True), unauthenticated=False),
            encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=key.arn,
                encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True)),
            tags=labels, opts=child)
        association = aws.msk.ScramSecretAssociation(
            f"{name}-logins", cluster_arn=cluster.arn, secret_arn_lists=[s.arn for s in secrets],
            opts=pulumi.ResourceOptions(parent=self, depends_on=versions))

        self.arn = cluster.arn
        # No CA of ours: MSK's certificates are signed by one the JVM trusts.
        self.queue = Queue(cluster.bootstrap_brokers_sasl_scram, login_seed=seed, ready=(association,),
                           admin_stages=(java.NAME, kafka_client.NAME, topics.NAME, grants.NAME))
        self.register_outputs({"arn": cluster.arn, "bootstrapServers": cluster.bootstrap_brokers_sasl_scram})
