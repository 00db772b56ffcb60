"""platform.yaml `components.<name>`: the overrides of the platform's chart components
(`tables/components.yaml`), and which of them the rest of the platform cannot do without.

- `enabled: false` removes the component's Applications (and its chart-less companions: its
  secrets, its config manifests); refused, naming the dependents, while another enabled
  component or something in platform.yaml needs it.
- `version` replaces the pinned chart version; it must be an exact version (Argo CD would
  resolve a range to whatever is newest). It is not pinned in the catalog, so nothing has
  verified its archive: `mgctl validate` renders it from the chart cache and says so.
- `values` are deep-merged last into the chart values mgctl generates.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import Field, JsonValue, field_validator

from mgctl import catalog
from mgctl.catalog import EXACT_VERSION
from mgctl.config.base import Model

if TYPE_CHECKING:
    from mgctl.config.platform import Platform


@dataclass(frozen=True)
class ComponentInfo:
    name: str
    chart_key: str  # data/catalog.yaml charts.<key>
    needs: tuple[str, ...]
    required: str  # why it can never be disabled ("" when it can)


@functools.cache
def table() -> dict[str, ComponentInfo]:
    text = resources.files("mgctl.config").joinpath("tables/components.yaml").read_text()
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)["components"]
    return {
        name: ComponentInfo(
            name, str(entry["chart"]), tuple(entry.get("needs", ())), entry.get("required", "")
        )
        for name, entry in data.items()
    }


def components_schema() -> dict[str, JsonValue]:
    """JSON Schema keywords of `components`: the names, the leading `v` of each chart's
    versions as its pin writes it, the components that cannot be disabled."""
    properties: dict[str, JsonValue] = {}
    for name, info in sorted(table().items()):
        with_v = catalog.chart(info.chart_key).version.startswith("v")
        rules: dict[str, JsonValue] = {"version": {"pattern": "^v" if with_v else "^[0-9]"}}
        if info.required:
            rules["enabled"] = {"const": True}
        properties[name] = {"properties": rules}
    return {"propertyNames": {"enum": [n for n in sorted(table())]}, "properties": properties}


class ComponentOverride(Model):
    """Overrides of one platform component (an upstream chart mgctl pins)."""

    enabled: bool = Field(
        default=True, description="false: not installed (refused while something needs it)"
    )
    version: str | None = Field(
        default=None,
        json_schema_extra={"pattern": EXACT_VERSION.pattern},
        description="An exact chart version instead of the pinned one; its archive must be in "
        "the chart cache and is unverified (no digest in mgctl's catalog)",
    )
    values: dict[str, Any] = Field(
        default={}, description="Chart values deep-merged last over the ones mgctl generates"
    )

    @field_validator("version")
    @classmethod
    def _exact(cls, value: str | None) -> str | None:
        if value is not None and not EXACT_VERSION.match(value):
            raise ValueError(
                f"{value!r} is not an exact chart version (e.g. 41.4.0): Argo CD would resolve "
                "a range to whatever is newest when it syncs, which nothing has rendered or "
                "validated"
            )
        return value


def feature_needs(platform: Platform) -> dict[str, list[str]]:
    """What the rest of platform.yaml needs, by component."""
    needs: dict[str, list[str]] = {name: [] for name in table()}
    with_metrics = [s.name for s in platform.deployed_services if s.metrics.enabled]
    with_secrets = [
        s.name for s in platform.deployed_services if s.secrets or s.database is not None
    ]
    with_ingress = [s.name for s in platform.services if s.ingress is not None]
    with_tls = [s.name for s in platform.services if s.ingress is not None and s.ingress.tls]
    databases = [d.name for d in platform.databases]
    needs["prometheus-operator-crds"] += ["the platform's alert rules (PrometheusRule)"]
    if with_metrics:
        needs["prometheus-operator-crds"].append(
            f"the ServiceMonitors of {', '.join(with_metrics)} (metrics.enabled)"
        )
    if databases:
        needs["prometheus-operator-crds"].append(f"the PodMonitors of {', '.join(databases)}")
        for name in ("cloudnative-pg", "plugin-barman-cloud", "external-secrets"):
            needs[name].append(f"databases ({', '.join(databases)})")
    if with_secrets:
        needs["external-secrets"].append(
            f"the secrets of {', '.join(with_secrets)} (secrets, database)"
        )
    if platform.registry.pull_secret:
        needs["external-secrets"].append("registry.pullSecret (the registry credentials)")
    if with_ingress:
        needs["traefik"].append(f"the ingresses of {', '.join(with_ingress)}")
    if platform.auth is not None:
        needs["traefik"].append("auth (the ForwardAuth middleware)")
    if with_tls:
        needs["cert-manager"].append(f"the TLS certificates of {', '.join(with_tls)}")
    if platform.kafka.enabled:
        needs["strimzi"].append("kafka.enabled (set it to false to run without Kafka)")
    if platform.tailscale.enabled:
        needs["tailscale"].append("tailscale.enabled (set it to false to run without it)")
    if platform.object_store.type == "seaweedfs":
        needs["seaweedfs"].append("objectStore.type seaweedfs (or use an external object store)")
    if platform.cluster.storage_class == "longhorn":
        needs["longhorn"].append(
            "cluster.storageClass longhorn: it provisions every volume (or name another class)"
        )
    return needs


def component_errors(platform: Platform) -> list[str]:
    """Unknown names, versions that cannot be a chart's, disables something needs."""
    known = table()
    errors = []
    for name, override in platform.components.items():
        info = known.get(name)
        if info is None:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            errors.append(
                f"components.{name}: not a platform component"
                + (f"; did you mean {close[0]!r}?" if close else "")
                + f" (the components: {', '.join(sorted(known))})"
            )
            continue
        pinned = catalog.chart(info.chart_key).version
        if override.version is not None and override.version.startswith("v") != pinned.startswith(
            "v"
        ):
            errors.append(
                f"components.{name}.version: {override.version!r}: the {info.chart_key} chart's "
                f"versions are written {'with' if pinned.startswith('v') else 'without'} a "
                f"leading v (pinned: {pinned})"
            )
        if not override.enabled and info.required:
            errors.append(f"components.{name}.enabled: {name} cannot be disabled: {info.required}")
    if errors:
        return errors
    features = feature_needs(platform)
    for name, override in platform.components.items():
        if override.enabled:
            continue
        dependents = [
            f"component {other}"
            for other, info in known.items()
            if name in info.needs and platform.component_enabled(other)
        ] + features[name]
        if dependents:
            errors.append(
                f"components.{name}.enabled: false, but {name} is needed by "
                f"{'; '.join(dependents)}: keep it enabled, or turn those off first"
            )
    return errors
