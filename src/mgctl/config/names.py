"""What a name in platform.yaml becomes downstream, and the rules of each of those objects.

- a service: a namespace, a Service (DNS-1035: starts with a letter), a Helm release (at most
  53 characters, helm internal/chart/v3/util/validate_name.go maxReleaseNameLen) and an Argo CD
  Application in `argocd` (beside the platform's own);
- a database: a CloudNativePG Cluster (DNS-1035, at most 50 characters: the operator appends
  suffixes such as -rw and -1; internal/webhook/v1/cluster_webhook.go validateName) and an Argo
  CD Application;
- project.prefix: the Tailscale device names `<prefix>-k8s-operator` and `<prefix>-k8s-subnet`
  (a DNS label of at most 63, the Connector CRD's hostname pattern);
- a Velero schedule: the Schedule `velero-<name>`, whose name Velero copies into the label
  velero.io/schedule-name (label values are at most 63 characters);
- a Kafka topic: a KafkaTopic named after it; a DNS-1123 label already meets Kafka's topic
  rule ([a-zA-Z0-9._-], at most 249) and Strimzi's resource-name rule.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

HELM_RELEASE_MAX = 53
CNPG_CLUSTER_MAX = 50
LABEL_VALUE_MAX = 63
VELERO_SCHEDULE_PREFIX = "velero-"
TAILSCALE_SUFFIXES = ("-k8s-operator", "-k8s-subnet")
PREFIX_MAX = LABEL_VALUE_MAX - max(len(s) for s in TAILSCALE_SUFFIXES)
VELERO_SCHEDULE_MAX = LABEL_VALUE_MAX - len(VELERO_SCHEDULE_PREFIX)
# The auth-service mgctl runs for `auth` (its namespace is its name, like every service):
# Traefik's ForwardAuth calls its port 8080, Prometheus scrapes 9100 (mg_auth's defaults).
AUTH_SERVICE = "auth-service"
AUTH_SERVICE_PORT = 8080
AUTH_SERVICE_METRICS_PORT = 9100
RESERVED_DATABASE_NAMES = ("postgres", "template0", "template1")  # exist in every cluster
RESERVED_ROLES = ("postgres", "streaming_replica")  # CNPG pkg/postgres/roles.go IsRoleReserved


@functools.cache
def _table() -> dict[str, object]:
    text = resources.files("mgctl.config").joinpath("tables/reserved-names.yaml").read_text()
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


def reserved_namespaces() -> dict[str, str]:
    namespaces = _table()["namespaces"]
    assert isinstance(namespaces, dict)
    return {str(k): str(v) for k, v in namespaces.items()}


def reserved_prefixes() -> dict[str, str]:
    prefixes = _table()["prefixes"]
    assert isinstance(prefixes, dict)
    return {str(k): str(v) for k, v in prefixes.items()}


def platform_applications() -> list[str]:
    applications = _table()["applications"]
    assert isinstance(applications, list)
    return [str(a) for a in applications]


def namespace_owner(name: str) -> str | None:
    """Who owns namespace `name` on the platform, or None when it is free."""
    owner = reserved_namespaces().get(name)
    if owner is not None:
        return owner
    return next(
        (why for prefix, why in reserved_prefixes().items() if name.startswith(prefix)), None
    )


def application_taken(name: str) -> bool:
    return name in platform_applications()


@functools.cache
def cnpg_fixed_parameters() -> frozenset[str]:
    text = resources.files("mgctl.config").joinpath("tables/cnpg-fixed-parameters.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
