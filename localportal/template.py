"""Reads template.yaml: the single source of truth for routes, functions, tables and environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Accepts CloudFormation short tags (!Ref, !Sub, !GetAtt …) as their long form."""


def _tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_yaml(path: Path = TEMPLATE) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    function: str


@dataclass
class Function:
    name: str
    code_uri: Path
    handler: str
    routes: list[ApiRoute] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)


@dataclass
class Template:
    raw: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.raw.get("Resources", {}))

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r.get("Type") == kind}

    def parameter_defaults(self) -> dict[str, str]:
        params = self.raw.get("Parameters", {})
        return {name: str(p["Default"]) for name, p in params.items() if "Default" in p}

    def functions(self) -> list[Function]:
        glob = (self.raw.get("Globals") or {}).get("Function") or {}
        base_env = ((glob.get("Environment") or {}).get("Variables")) or {}
        found = []
        for name, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource.get("Properties", {})
            env = {**base_env, **((props.get("Environment") or {}).get("Variables") or {})}
            function = Function(
                name=name,
                code_uri=ROOT / str(props.get("CodeUri", glob.get("CodeUri", "."))),
                handler=str(props.get("Handler", glob.get("Handler"))),
                environment=env,
            )
            for event in (props.get("Events") or {}).values():
                ep = event.get("Properties", {})
                if event.get("Type") == "Api":
                    function.routes.append(ApiRoute(str(ep["Method"]).upper(), str(ep["Path"]), name))
                elif event.get("Type") == "SQS":
                    queue = ep["Queue"]
                    function.queues.append(queue["Fn::GetAtt"][0] if isinstance(queue, dict) else str(queue))
            found.append(function)
        return found

    def static_environment(self) -> dict[str, str]:
        """The Globals environment variables whose values are plain strings (no intrinsic)."""
        glob = (self.raw.get("Globals") or {}).get("Function") or {}
        variables = ((glob.get("Environment") or {}).get("Variables")) or {}
        return {k: str(v) for k, v in variables.items() if not isinstance(v, dict | list)}

    def layer_dirs(self) -> list[Path]:
        return [
            ROOT / str(r["Properties"]["ContentUri"]) for r in self.of_type("AWS::Serverless::LayerVersion").values()
        ]

    def tables(self) -> dict[str, dict[str, Any]]:
        return {name: r["Properties"] for name, r in self.of_type("AWS::DynamoDB::Table").items()}

    def queues(self) -> dict[str, dict[str, Any]]:
        return {name: r.get("Properties", {}) for name, r in self.of_type("AWS::SQS::Queue").items()}

    def security_headers(self) -> dict[str, str]:
        """The response headers CloudFront adds to the static site, as plain header names and values."""
        policies = self.of_type("AWS::CloudFront::ResponseHeadersPolicy")
        headers: dict[str, str] = {}
        for policy in policies.values():
            config = policy["Properties"]["ResponseHeadersPolicyConfig"].get("SecurityHeadersConfig", {})
            if "ContentSecurityPolicy" in config:
                headers["Content-Security-Policy"] = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
            if "StrictTransportSecurity" in config:
                sts = config["StrictTransportSecurity"]
                value = f"max-age={sts['AccessControlMaxAgeSec']}"
                value += "; includeSubDomains" if sts.get("IncludeSubdomains") else ""
                value += "; preload" if sts.get("Preload") else ""
                headers["Strict-Transport-Security"] = value
            if "ContentTypeOptions" in config:
                headers["X-Content-Type-Options"] = "nosniff"
            if "FrameOptions" in config:
                headers["X-Frame-Options"] = config["FrameOptions"]["FrameOption"]
            if "ReferrerPolicy" in config:
                headers["Referrer-Policy"] = config["ReferrerPolicy"]["ReferrerPolicy"]
        return headers

    def gateway_response(self, kind: str = "DEFAULT_4XX") -> bytes:
        """The body API Gateway gives when no function answers (declared on the Api in the template)."""
        for api in self.of_type("AWS::Serverless::Api").values():
            response = (api["Properties"].get("GatewayResponses") or {}).get(kind)
            if response:
                return str(response["ResponseTemplates"]["application/json"]).encode()
        return b'{"message":"Missing Authentication Token"}'

    def resolve(self, value: Any, refs: dict[str, str]) -> str:
        """Resolve the simple intrinsics the environment uses (!Ref to parameters and resources)."""
        if isinstance(value, dict) and "Ref" in value:
            return refs[value["Ref"]]
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return refs[".".join(value["Fn::GetAtt"])]
        if isinstance(value, dict | list):
            raise ValueError(f"unsupported intrinsic in local environment: {value}")
        return str(value)


def load(path: Path = TEMPLATE) -> Template:
    return Template(load_yaml(path))
