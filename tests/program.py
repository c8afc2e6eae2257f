"""Runs __main__.py under Pulumi mocks with a given stack config; collects resources and exports.

The mocks stand in for AWS only: they answer the provider-computed fields the program reads
(instance IPs, instance-type facts, the AMI parameter, default VPC and subnets).
"""
from __future__ import annotations

import hashlib
import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parents[1]
# Made-up prices: the mock stands in for the Pricing API, the arithmetic is what is tested.
PRICES = {"t3.medium": 0.05, "t3.large": 0.1, "t3.small": 0.025, "t4g.small": 0.02, "t4g.medium": 0.04,
          "m7g.large": 0.09}
IPV4_PRICE = 0.004
VOLUME_PRICES = {"gp3": 0.073, "gp2": 0.1}
# Made-up prices for the mocks: what the estimate multiplies, not what AWS charges.
MSK_PRICES = {"t3.small": 0.05, "m7g.large": 0.2}
MSK_STORAGE_PRICE = 0.1
MSK_BOOTSTRAP = "b-1.kafka.example.amazonaws.com:9096,b-2.kafka.example.amazonaws.com:9096"
ZONES = {"subnet-a": "ap-northeast-2a", "subnet-b": "ap-northeast-2b", "subnet-c": "ap-northeast-2c"}
VCPUS = {"m7g.large": 2, "c7g.4xlarge": 16}
MEMORY = {"t3.medium": 4096, "t3.large": 8192, "t3.small": 2048, "t4g.small": 2048, "t4g.medium": 4096,
          "m7g.large": 8192}


class Mocks(pulumi.runtime.Mocks):
    def __init__(self, not_offered: tuple[tuple[str, str], ...] = (), stopped: bool = False,
                 quotas: dict[str, float] | None = None, quota_errors: dict[str, str] | None = None,
                 deployed: dict[str, Any] | None = None) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        # (zone, instance type) pairs the region does not offer
        self.not_offered = set(not_offered)
        # As a refresh finds instances the TTL guard stopped: state stopped, no public address.
        self.stopped = stopped
        # Service Quotas: quota code -> value (default: a seasoned account's 640), or the error it gives
        self.quotas = quotas or {}
        self.quota_errors = quota_errors or {}
        # The outputs of the stack's last deployment, as a reference to the stack itself reads them.
        self.deployed = deployed or {}
        # instance id -> its public address, once an InstanceState made it run
        self.started: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        outputs = dict(args.inputs)
        n = int(hashlib.sha256(args.name.encode()).hexdigest(), 16)
        if args.typ == "aws:ec2/instance:Instance":
            outputs["privateIp"] = f"172.31.{n % 250}.{n // 250 % 250 + 2}"
            outputs["publicIp"] = "" if self.stopped else public_ip(args.name)
            outputs["instanceState"] = "stopped" if self.stopped else "running"
        if args.typ == "aws:ec2transitgateway/instanceState:InstanceState" and args.inputs["state"] == "running":
            instance = args.inputs["instanceId"]
            # A stopped instance started again gets a new public address.
            self.started[instance] = (started_ip if self.stopped else public_ip)(instance.removesuffix("-id"))
        if args.typ == "pulumi:pulumi:StackReference":
            outputs.update(outputs=self.deployed, secretOutputNames=[])
        if args.typ == "tls:index/privateKey:PrivateKey":
            outputs["privateKeyOpenssh"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCKKEY\n-----END OPENSSH PRIVATE KEY-----\n"
            outputs["publicKeyOpenssh"] = "ssh-ed25519 AAAAC3MOCK"
            outputs["privateKeyPem"] = f"-----BEGIN PRIVATE KEY-----\n{args.name}\n-----END PRIVATE KEY-----\n"
            outputs["privateKeyPemPkcs8"] = outputs["privateKeyPem"]
        if args.typ in ("tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"):
            outputs["certPem"] = f"-----BEGIN CERTIFICATE-----\n{args.name}\n-----END CERTIFICATE-----\n"
        if args.typ == "tls:index/certRequest:CertRequest":
            outputs["certRequestPem"] = f"-----BEGIN CERTIFICATE REQUEST-----\n{args.name}\n-----END CERTIFICATE REQUEST-----\n"
        if args.typ == "aws:msk/cluster:Cluster":
            outputs.update(arn=f"arn:aws:kafka:ap-northeast-2:123456789012:cluster/{args.inputs['clusterName']}/1",
                           bootstrapBrokersSaslScram=MSK_BOOTSTRAP)
        if args.typ in ("aws:secretsmanager/secret:Secret", "aws:kms/key:Key"):
            outputs["arn"] = f"arn:aws:{args.typ.split(':')[1].split('/')[0]}:ap-northeast-2:123456789012:{args.name}"
        if args.typ == "aws:ec2/keyPair:KeyPair":
            outputs["keyName"] = f"{args.name}-generated"
        if args.typ == "pulumi-python:dynamic/local:Machine":
            outputs.update(address=f"10.214.0.{n % 200 + 10}", running=True)
        if args.typ == "pulumi-python:dynamic/local:Network":
            outputs.update(up=True, nat=False)
        return [f"{args.name}-id", outputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append(args)
        token = args.token
        if token == "aws:ec2/getInstanceType:getInstanceType":
            kind = args.args["instanceType"]
            family = kind.split(".")[0]
            arm = family.endswith("g") or "g" in family[2:]
            return {"instanceType": kind, "supportedArchitectures": ["arm64"] if arm else ["x86_64", "i386"],
                    "memorySize": MEMORY.get(kind, 4096), "defaultVcpus": VCPUS.get(kind, 2)}
        if token == "aws:servicequotas/getServiceQuota:getServiceQuota":
            code = args.args["quotaCode"]
            if code in self.quota_errors:
                return {}, [("", self.quota_errors[code])]
            return {"id": code, "quotaCode": code, "serviceCode": "ec2", "value": self.quotas.get(code, 640.0)}
        if token == "aws:ssm/getParameter:getParameter":
            arch = "arm" if args.args["name"].endswith("arm64") else "x86"
            return {"name": args.args["name"], "value": f"ami-{arch}", "insecureValue": f"ami-{arch}", "type": "String"}
        if token == "aws:pricing/getProduct:getProduct":
            values = {f["field"]: f["value"] for f in args.args["filters"]}
            if args.args["serviceCode"] == "AmazonVPC":
                price, unit = IPV4_PRICE, "Hrs"
            elif args.args["serviceCode"] == "AmazonMSK":
                price, unit = (MSK_PRICES[values["computeFamily"]], "hours") if values["group"] == "Broker" \
                    else (MSK_STORAGE_PRICE, "GB-Mo")
            elif values.get("productFamily") == "Storage":
                price, unit = VOLUME_PRICES[values["volumeApiName"]], "GB-Mo"
            else:
                price, unit = PRICES[values["instanceType"]], "Hrs"
            product = {"product": {"attributes": values},
                       "terms": {"OnDemand": {"SKU.TERM": {"priceDimensions": {"SKU.TERM.DIM": {
                           "unit": unit, "pricePerUnit": {"USD": f"{price:.10f}"}}}}}}}
            return {"result": json.dumps(product), "serviceCode": args.args["serviceCode"],
                    "filters": args.args["filters"]}
        if token == "aws:ec2/getInstance:getInstance":
            instance = args.args["instanceId"]
            address = self.started.get(instance, "" if self.stopped else public_ip(instance.removesuffix("-id")))
            return {"id": instance, "instanceId": instance, "publicIp": address,
                    "instanceState": "running" if instance in self.started else "stopped"}
        if token == "aws:ec2/getVpc:getVpc":
            return {"id": "vpc-default", "cidrBlock": "172.31.0.0/16"}
        if token == "aws:ec2/getSubnets:getSubnets":
            return {"ids": ["subnet-c", "subnet-a", "subnet-b"], "id": "ap-northeast-2"}
        if token == "aws:ec2/getSubnet:getSubnet":
            return {"id": args.args["id"], "availabilityZone": ZONES[args.args["id"]]}
        if token == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            kinds = args.args["filters"][0]["values"]
            pairs = [(zone, kind) for zone in sorted(ZONES.values()) for kind in kinds
                     if (zone, kind) not in self.not_offered]
            return {"id": "offerings", "locations": [z for z, _ in pairs], "instanceTypes": [k for _, k in pairs],
                    "locationTypes": ["availability-zone"] * len(pairs)}
        return {}


def _n(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16)


def public_ip(instance_name: str) -> str:
    return f"203.0.113.{_n(instance_name) % 250 + 1}"


def started_ip(instance_name: str) -> str:
    """The address an instance gets when started after a stop: never its former one."""
    return f"198.51.100.{_n(instance_name) % 250 + 1}"


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Also records what each resource was registered to depend on (explicitly or through inputs)."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, set[str]] = {}
        # resource name -> the former names it keeps its identity under
        self.aliases: dict[str, list[str]] = {}
        # resource name -> its parent's name ("" for the stack), and the outputs it asks to keep secret
        self.parents: dict[str, str] = {}
        self.secret_outputs: dict[str, list[str]] = {}

    def RegisterResource(self, request):
        urns = set(request.dependencies)
        for deps in request.propertyDependencies.values():
            urns.update(deps.urns)
        self.dependencies[request.name] = {urn.split("::")[-1] for urn in urns}
        former = [a.spec.name if a.HasField("spec") else a.urn.split("::")[-1] for a in request.aliases]
        former += [urn.split("::")[-1] for urn in request.aliasURNs]
        if former:
            self.aliases[request.name] = sorted(set(former))
        self.parents[request.name] = request.parent.split("::")[-1]
        self.secret_outputs[request.name] = list(request.additionalSecretOutputs)
        return super().RegisterResource(request)


@dataclass
class Run:
    mocks: Mocks
    monitor: RecordingMonitor
    exports: dict[str, Any] = field(default_factory=dict)

    def waits_for(self, name: str) -> set[str]:
        """Every resource `name` depends on, directly or through others."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            for dep in self.monitor.dependencies.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.mocks.resources if r.typ == typ]

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        matches = [r for r in self.mocks.resources if r.name == name]
        assert len(matches) == 1, f"expected one resource named {name}, found {len(matches)}"
        return matches[0]

    def value(self, name: str) -> Any:
        return _sync_await(pulumi.Output.from_input(self.exports[name]).future())

    def is_secret(self, name: str) -> bool:
        return _sync_await(pulumi.Output.from_input(self.exports[name]).is_secret())


def run(config: dict[str, Any], stack: str = "dev", secret_keys: tuple[str, ...] = (),
        region: str | None = "ap-northeast-2", monkeypatch=None, mocks: Mocks | None = None,
        aws: dict[str, str] | None = None) -> Run:
    """Evaluate the program. `config` keys are unprefixed (`kafka`, `sshCidrs`, ...); `aws` holds
    further `aws:` keys (profile, ...)."""
    mocks = mocks or Mocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="kafka-pipeline", stack=stack, preview=False, monitor=monitor,
                             organization="organization")  # what a self-managed backend reports
    values = {f"kafka-pipeline:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    if region is not None:
        values["aws:region"] = region
    values.update({f"aws:{k}": v for k, v in (aws or {}).items()})
    pulumi.runtime.set_all_config(values, [f"kafka-pipeline:{k}" for k in secret_keys])
    result = Run(mocks, monitor)
    assert monkeypatch is not None, "pass pytest's monkeypatch so pulumi.export can be observed"
    monkeypatch.setattr(pulumi, "export", lambda name, value: result.exports.__setitem__(name, value))
    _sync_await(run_pulumi_func(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")))
    return result


def stack_config(stack: str) -> tuple[dict[str, Any], str | None]:
    """A committed stack file's kafka-pipeline keys (unprefixed) and its aws:region."""
    import yaml
    data = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    config = {k.split(":", 1)[1]: v for k, v in data.items() if k.startswith("kafka-pipeline:")}
    return config, data.get("aws:region")


DEV = {"sshCidrs": ["198.51.100.7/32"]}

SECRET_SIG = "4dabf18193072939515e22adb298388d"

def is_secret(value) -> bool:
    return isinstance(value, dict) and SECRET_SIG in value

def rendered(run, child: str, stage: str) -> dict[str, str]:
    """The bundle a stage's CopyToRemote ships, read back from its FileArchive."""
    source = run.named(f"{child}-{stage}-files").inputs["source"]
    folder = Path(source.path)
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}
