"""What every host of a pipeline shares: the default VPC's subnets, one security group, one SSH key."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.settings import Settings
from components.stages.kafka import CLIENT_PORT, CONTROLLER_PORT

# Outbound: package repositories and release archives are fetched over HTTPS (HTTP for some mirrors).
EGRESS_PORTS = (443, 80)


@dataclass(frozen=True)
class NetworkArgs:
    settings: Settings
    tags: dict[str, str]


class Network(pulumi.ComponentResource):
    subnet_ids: list[str]
    security_group_id: pulumi.Output[str]
    key_name: pulumi.Output[str]
    # None when the user brought their own key: SSH then goes through their ssh-agent.
    private_key: pulumi.Output[str] | None

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.get_vpc(default=True)
        subnets = aws.ec2.get_subnets(filters=[
            aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id]),
            aws.ec2.GetSubnetsFilterArgs(name="default-for-az", values=["true"]),
        ])
        # Sorted so broker i always lands in the same availability zone.
        self.subnet_ids = sorted(subnets.ids)
        if not self.subnet_ids:
            raise pulumi.RunError(f"no default subnets in the default VPC of {args.settings.region}; "
                                  "create one with `aws ec2 create-default-vpc`")

        group = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=vpc.id,
                                      description="kafka-pipeline: SSH from the operator, Kafka inside the pipeline",
                                      tags={**args.tags, "Name": f"{name}-sg"}, opts=child)
        for i, cidr in enumerate(args.settings.ssh_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ssh-{i}", security_group_id=group.id, ip_protocol="tcp", from_port=22, to_port=22,
                **_cidr(cidr), description="SSH from the operator (sshCidrs)", opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-kafka", security_group_id=group.id, ip_protocol="tcp",
            from_port=CLIENT_PORT, to_port=CONTROLLER_PORT, referenced_security_group_id=group.id,
            description="Kafka clients and KRaft controllers, only from hosts of this pipeline", opts=child)
        for port in EGRESS_PORTS:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-out-{port}", security_group_id=group.id, ip_protocol="tcp", from_port=port, to_port=port,
                cidr_ipv4="0.0.0.0/0", description="downloads (packages, Kafka and Logstash releases)", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-out-pipeline", security_group_id=group.id, ip_protocol="-1",
            referenced_security_group_id=group.id, description="traffic between hosts of this pipeline", opts=child)

        if args.settings.ssh_public_key:
            public_key: pulumi.Input[str] = args.settings.ssh_public_key
            self.private_key = None
        else:
            key = tls.PrivateKey(f"{name}-ssh-key", algorithm="ED25519", opts=child)
            public_key = key.public_key_openssh
            self.private_key = pulumi.Output.secret(key.private_key_openssh)
        pair = aws.ec2.KeyPair(f"{name}-key", public_key=public_key, tags=args.tags, opts=child)
        self.security_group_id = group.id
        self.key_name = pair.key_name
        self.register_outputs({"securityGroupId": group.id, "keyName": pair.key_name})


def _cidr(cidr: str) -> dict[str, str]:
    return {"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr}
