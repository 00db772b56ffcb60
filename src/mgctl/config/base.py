"""The base every platform.yaml model shares (camelCase keys, unknown keys rejected) and the
constrained string types. Each type carries its rule twice from one definition: the validator
(with a message that names the fix) and the JSON Schema keywords `mgctl schema` exports."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, JsonValue
from pydantic.alias_generators import to_camel
from pydantic.json_schema import WithJsonSchema

from mgctl.config import names, units
from mgctl.config.names import CNPG_CLUSTER_MAX, HELM_RELEASE_MAX

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_HOST = r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?"
HOSTNAME = re.compile(rf"^(?=.{{1,253}}$)(\*\.)?{_HOST}$")
EXACT_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_HOST}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# IANA service name (Kubernetes IsValidPortName): at most 15, a-z 0-9 '-', a letter, no '--'.
PORT_NAME = re.compile(r"^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# The distribution reference grammar (distribution/reference regexp.go): lowercase path
# components separated by '/', an optional registry host[:port] first; tags and digests.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_REGISTRY = rf"(?:{_HOST_PART}(?:\.{_HOST_PART})*(?::[0-9]+)?/)"
REPOSITORY = re.compile(rf"^{_REGISTRY}?{_COMPONENT}(?:/{_COMPONENT})*$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
IMAGE_REFERENCE = re.compile(
    rf"^{_REGISTRY}?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
# S3 bucket names (AWS naming rules, which SeaweedFS and the S3 clients here follow).
BUCKET = re.compile(r"^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TAILSCALE_TAG = re.compile(r"^tag:[a-zA-Z][a-zA-Z0-9-]*$")  # the tailscale.com CRDs' pattern
# git check-ref-format, the parts a branch name trips on.
GIT_BRANCH = re.compile(
    r"^(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock$)(?!.*[/.]$)[^\s~^:?*\[\\]+$"
)


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
        frozen=False,
    )


def _dns_label(value: str) -> str:
    if len(value) > 63:
        raise ValueError(f"{value!r} is {len(value)} characters; names are at most 63")
    if not DNS1123_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label: use lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _dns1035(value: str, limit: int, what: str) -> str:
    _dns_label(value)
    if not value[0].isalpha():
        raise ValueError(
            f"{value!r} starts with a digit; {what} must start with a letter (DNS-1035), "
            f"e.g. 'x{value}'"
        )
    if len(value) > limit:
        raise ValueError(
            f"{value!r} is {len(value)} characters; {what} is at most {limit}: shorten it by "
            f"{len(value) - limit}"
        )
    return value


def _service_name(value: str) -> str:
    return _dns1035(
        value, HELM_RELEASE_MAX, "a service name (a Kubernetes Service and a Helm release)"
    )


def _database_name(value: str) -> str:
    return _dns1035(value, CNPG_CLUSTER_MAX, "a CloudNativePG cluster name")


def _hostname(value: str) -> str:
    if not EXACT_HOSTNAME.match(value):
        hint = (
            " (no wildcard: Traefik's Host() matches exact names and the HTTP-01 issuers "
            "cannot sign *.domain certificates)"
            if value.startswith("*.")
            else ""
        )
        raise ValueError(f"{value!r} is not a valid host name (e.g. app.example.com){hint}")
    return value


def _port_name(value: str) -> str:
    if not PORT_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a port name: at most 15 characters of a-z, 0-9 and '-', with at "
            "least one letter, no '--', not starting or ending with '-' (e.g. metrics)"
        )
    return value


def _size(value: str) -> str:
    if units.parse_bytes(value) <= 0:
        raise ValueError(f"{value!r} is zero; give a size such as 512Mi or 10Gi")
    return value


def _cpu(value: str) -> str:
    units.parse_cpu(value)
    return value


def _duration(value: str) -> str:
    if units.parse_duration(value) <= 0:
        raise ValueError(f"{value!r} is zero; give a duration such as 30d")
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not a valid environment variable name")
    return value


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return check


_SIZE_UNITS = "(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?"
_SIZE = rf"^(?!0*(\.0*)?{_SIZE_UNITS}$)[0-9]+(\.[0-9]+)?{_SIZE_UNITS}$"
_BUCKET_RULE = (
    "an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with "
    "a letter or digit, no '..', not an IP address"
)
_TAG_RULE = "a Tailscale tag: 'tag:' then a letter, letters, digits and '-'"
_BRANCH_RULE = "a git branch name (no spaces, '..', '~^:?*[\\', leading '-')"


def _schema(pattern: str, **more: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, **more})


Name = Annotated[str, AfterValidator(_dns_label), _schema(DNS1123_LABEL.pattern, maxLength=63)]
# The platform's namespaces and Argo CD Applications (config/tables/reserved-names.yaml).
_TAKEN: list[JsonValue] = [
    n for n in sorted({*names.reserved_namespaces(), *names.platform_applications()})
]
_NOT_PREFIXED = "".join(f"(?!{p})" for p in names.reserved_prefixes())
ServiceName = Annotated[
    str,
    AfterValidator(_service_name),
    _schema(
        "^" + _NOT_PREFIXED + DNS1035_LABEL.pattern.removeprefix("^"),
        maxLength=HELM_RELEASE_MAX,
        **{"not": {"enum": _TAKEN}},
    ),
]
DatabaseName = Annotated[
    str,
    AfterValidator(_database_name),
    _schema(
        DNS1035_LABEL.pattern,
        maxLength=CNPG_CLUSTER_MAX,
        **{"not": {"enum": [a for a in names.platform_applications()]}},
    ),
]


def _repo_path(value: str) -> str:
    if not value or value.startswith("/") or ".." in value.split("/") or "\\" in value:
        raise ValueError(
            f"{value!r} must be a relative path inside the source repository, e.g. services/api"
        )
    return value.rstrip("/")


RepoPath = Annotated[str, AfterValidator(_repo_path), _schema(r"^(?!/)(?!(.*/)?\.\.(/|$))[^\\]+$")]
PortName = Annotated[str, AfterValidator(_port_name), _schema(PORT_NAME.pattern)]
Hostname = Annotated[str, AfterValidator(_hostname), _schema(EXACT_HOSTNAME.pattern, maxLength=253)]
Size = Annotated[str, AfterValidator(_size), _schema(_SIZE)]
Cpu = Annotated[str, AfterValidator(_cpu), _schema(r"^[0-9]+(\.[0-9]+)?m?$")]
Duration = Annotated[str, AfterValidator(_duration), _schema(r"^[0-9]*[1-9][0-9]*[smhdw]$")]
EnvName = Annotated[str, AfterValidator(_env_name), _schema(ENV_NAME.pattern)]
Bucket = Annotated[str, AfterValidator(_matching(BUCKET, _BUCKET_RULE)), _schema(BUCKET.pattern)]
TailscaleTag = Annotated[
    str, AfterValidator(_matching(TAILSCALE_TAG, _TAG_RULE)), _schema(TAILSCALE_TAG.pattern)
]
GitBranch = Annotated[
    str, AfterValidator(_matching(GIT_BRANCH, _BRANCH_RULE)), _schema(GIT_BRANCH.pattern)
]
