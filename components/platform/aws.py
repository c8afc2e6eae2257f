"""The `aws` platform: EC2 instances in the default VPC, one security group, one SSH key pair.

Instances require IMDSv2, boot from the OS's official AMI, keep an encrypted gp3 root disk and
stop (not terminate) when the TTL guard powers them off."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.cost import ROOT_VOLUME_GIB, instance_counts
from components.egress import egress_ports
from components.platform import pricing, quota_check
from components.platform.base import Host, HostSpec, aliases, connection
from components.settings import OWN_BROKERS, Settings
from components.stages.kafka_listeners import BROKER_PORT, CLIENT_PORT, CONTROLLER_PORT



@dataclass(frozen=True)
class Machine:
    """What AWS says about an instance type: the facts stages size themselves by."""

    instance_type: str
    arch: str
    memory_mib: int
    vcpus: int


class Catalog:
    """AWS look-ups made once per program run and instance type (or architecture), not per host:
    a class of fifty students asks AWS about two instance types, not a hundred hosts."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._machines: dict[str, Machine] = {}
        self._amis: dict[str, str] = {}

    def machine(self, instance_type: str) -> Machine:
        if instance_type not in self._machines:
            info = aws.ec2.get_instance_type(instance_type=instance_type)
            archs = info.supported_architectures or []
            arch = "arm64" if "arm64" in archs else "x86_64"
            self._machines[instance_type] = Machine(instance_type, arch, int(info.memory_size),
                                                    int(info.default_vcpus))
        return self._machines[instance_type]

    def ami(self, arch: str) -> str:
        if arch not in self._amis:
            parameter = self._settings.os.ami_parameters[arch]
            self._amis[arch] = aws.ssm.get_parameter(name=parameter).insecure_value
        return self._amis[arch]


class AwsPlatform(pulumi.ComponentResource):
    """What every host of a pipeline shares: the default VPC's subnets, one security group, one SSH key."""

    security_group_id: pulumi.Output[str]
    key_name: pulumi.Output[str]
    private_key: pulumi.Output[str] | None

    def __init__(self, name: str, settings: Settings, tags: dict[str, str], catalog: Catalog,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        # The token predates the platforms; kept so existing stacks keep their resources.
        super().__init__("kafka-pipeline:index:Network", name, None, opts)
        self._settings = settings
        self.catalog = catalog
        child = pulumi.ResourceOptions(parent=self)
        try:
            vpc = aws.ec2.get_vpc(default=True)
        except Exception as error:  # the provider raises on "no matching VPC found"
            raise pulumi.RunError(f"no default VPC in {settings.region} ({str(error).splitlines()[0][:160]}). "
                                  f"Create one with `aws ec2 create-default-vpc --region {settings.region}` "
                                  "and run again. Nothing was created.") from None
        subnets = aws.ec2.get_subnets(filters=[
            aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id]),
            aws.ec2.GetSubnetsFilterArgs(name="default-for-az", values=["true"]),
        ])
        if not subnets.ids:
            raise pulumi.RunError(f"no default subnets in the default VPC of {settings.region}; create them with "
                                  f"`aws ec2 create-default-subnet --availability-zone <zone>`. Nothing was created.")
        self._zones = self._subnets_by_zone(sorted(subnets.ids))
        self._offered = self._zones_offering(settings)
        quota_check.refuse_what_cannot_fit(settings, lambda kind: catalog.machine(kind).vcpus)

        group = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=vpc.id,
                                      description="kafka-pipeline: SSH from the operator, Kafka inside the pipeline",
                                      tags={**tags, "Name": f"{name}-sg"}, opts=child)
        for i, cidr in enumerate(settings.ssh_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ssh-{i}", security_group_id=group.id, ip_protocol="tcp", from_port=22, to_port=22,
                **_cidr(cidr), description="SSH from the operator (sshCidrs)", opts=child)
        if settings.kafka.provider == OWN_BROKERS:  # no broker of ours listens on another queue's stack
            # sasl_ssl adds the brokers' own mutual-TLS listener just below the client port.
            first_port = BROKER_PORT if settings.kafka.security == "sasl_ssl" else CLIENT_PORT
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-kafka", security_group_id=group.id, ip_protocol="tcp",
                from_port=first_port, to_port=CONTROLLER_PORT, referenced_security_group_id=group.id,
                description="Kafka clients and KRaft controllers, only from hosts of this pipeline", opts=child)
        for port in egress_ports(settings):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-out-{port}", security_group_id=group.id, ip_protocol="tcp", from_port=port, to_port=port,
                cidr_ipv4="0.0.0.0/0", description="outbound: packages, releases and the configured sources and sinks",
                opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-out-pipeline", security_group_id=group.id, ip_protocol="-1",
            referenced_security_group_id=group.id, description="traffic between hosts of this pipeline", opts=child)

        if settings.ssh_public_key:
            public_key: pulumi.Input[str] = settings.ssh_public_key
            self.private_key = None
        else:
            key = tls.PrivateKey(f"{name}-ssh-key", algorithm="ED25519", opts=child)
            public_key = key.public_key_openssh
            self.private_key = pulumi.Output.secret(key.private_key_openssh)
        pair = aws.ec2.KeyPair(f"{name}-key", public_key=public_key, tags=tags, opts=child)
        self.security_group_id = group.id
        self.key_name = pair.key_name
        # Where a queue of AWS's own (MSK) places its brokers: this VPC, one default subnet per zone.
        self.vpc_id = vpc.id
        self.zone_subnets = tuple(self._zones.values())
        self.register_outputs({"securityGroupId": group.id, "keyName": pair.key_name})

    @staticmethod
    def _subnets_by_zone(subnet_ids: list[str]) -> dict[str, str]:
        """Availability zone -> its default subnet, zones in name order (broker i, zone i)."""
        zones = {aws.ec2.get_subnet(id=sid).availability_zone: sid for sid in subnet_ids}
        return dict(sorted(zones.items()))

    def _zones_offering(self, settings: Settings) -> dict[str, list[str]]:
        """Instance type -> the zones (of ours) that offer it: some zones lack some types, and a
        launch there fails."""
        kinds = sorted(instance_counts(settings))  # the types this stack launches (no broker's for a Kafka of the user's)
        offers = aws.ec2.get_instance_type_offerings(
            location_type="availability-zone",
            filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=kinds)])
        offered = {kind: [zone for zone in self._zones
                          if any(z == zone and t == kind for z, t in zip(offers.locations, offers.instance_types))]
                   for kind in kinds}
        for kind, zones in offered.items():
            if not zones:
                raise pulumi.RunError(f"no availability zone of {settings.region} with a default subnet offers {kind}; "
                                      "choose another instance type. Nothing was created.")
        return offered

    def host(self, spec: HostSpec, parent: pulumi.Resource) -> Host:
        name, machine = spec.name, self.catalog.machine(spec.instance_type)
        zones = self._offered[spec.instance_type]
        instance = aws.ec2.Instance(
            name,
            ami=self.catalog.ami(machine.arch),
            instance_type=spec.instance_type,
            subnet_id=self._zones[zones[spec.placement % len(zones)]],
            vpc_security_group_ids=[self.security_group_id],
            key_name=self.key_name,
            associate_public_ip_address=True,
            # The TTL guard powers the instance off; "stop" keeps disk and data for a later start.
            instance_initiated_shutdown_behavior="stop",
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True, volume_type="gp3", volume_size=ROOT_VOLUME_GIB, delete_on_termination=True),
            tags={**spec.tags, "Name": name},
            volume_tags={**spec.tags, "Name": name},
            # A newer AMI must not replace a running lab; new hosts pick it up.
            opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["ami"], aliases=aliases(spec.former_name)),
        )
        # `up` refreshes first: an instance the TTL guard stopped shows as stopped, and this starts
        # it again and waits until it runs (the resource manages power state, nothing else).
        power = aws.ec2transitgateway.InstanceState(
            f"{name}-running", instance_id=instance.id, state="running",
            opts=pulumi.ResourceOptions(parent=parent, aliases=aliases(spec.former_name and f"{spec.former_name}-running")))
        # A started instance has a new public address that the refreshed instance (stopped, no
        # address) cannot know: read it once the instance runs, so no command dials an empty or stale one.
        running = aws.ec2.get_instance_output(instance_id=power.instance_id,
                                              opts=pulumi.InvokeOutputOptions(depends_on=[power]))
        address = running.public_ip
        user = self._settings.os.user
        return Host(name=name, former_name=spec.former_name, resource=power, address=address,
                    private_ip=instance.private_ip, id=instance.id, user=user, arch=machine.arch,
                    memory_mib=machine.memory_mib, connection=connection(address, user, self.private_key))

    def cost_estimate(self):
        return pricing.estimate(self._settings, parent=self)


def _cidr(cidr: str) -> dict[str, str]:
    return {"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr}
