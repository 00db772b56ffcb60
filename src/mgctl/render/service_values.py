"""A Service from platform.yaml -> the values.yaml of its chart, in the seed's values interface
(plus the library's extension keys). Derived values (DB env, credentials, egress) are set here."""

from __future__ import annotations

from typing import Any

from mgctl.config.platform import Platform
from mgctl.config.services import Probe, Resources, Service
from mgctl.render.auth_service_config import AUTH_SERVICE, auth_service_values
from mgctl.render.merge import deep_merge

DATABASE_NAMESPACE = "databases"
KAFKA_NAMESPACE = "kafka"


def _probe(probe: Probe) -> dict[str, Any]:
    out: dict[str, Any] = {"enabled": probe.enabled}
    if probe.type != "httpGet":
        out["type"] = probe.type
    if probe.path is not None:
        out["path"] = probe.path
    if probe.port != "http":
        out["port"] = probe.port
    if probe.command is not None:
        out["command"] = probe.command
    if probe.service is not None:
        out["service"] = probe.service
    for key in ("initial_delay_seconds", "period_seconds", "timeout_seconds", "failure_threshold"):
        value = getattr(probe, key)
        if value is not None:
            out[Probe.model_fields[key].alias or key] = value
    return out


def _resources(resources: Resources) -> dict[str, Any]:
    return resources.model_dump(by_alias=True)


def _env(platform: Platform, service: Service) -> list[dict[str, str]]:
    env = dict(service.env)
    if service.database:
        db = platform.database(service.database)
        env.setdefault("DB_HOST", f"{db.name}-rw.{DATABASE_NAMESPACE}.svc")
        env.setdefault("DB_PORT", "5432")
        env.setdefault("DB_NAME", db.database)
    return [{"name": k, "value": v} for k, v in env.items()]


def _secret_keys(platform: Platform, service: Service) -> list[dict[str, str]]:
    keys = dict(service.secrets)
    if service.database:
        creds = platform.database(service.database).credentials
        keys.setdefault("DB_USERNAME", creds.username_key)
        keys.setdefault("DB_PASSWORD", creds.password_key)
    return [{"secretKey": k, "remoteKey": v} for k, v in keys.items()]


def _sidecars(service: Service) -> list[dict[str, Any]]:
    out = []
    for sidecar in service.sidecars:
        entry: dict[str, Any] = {"name": sidecar.name, "image": sidecar.image}
        if sidecar.security_context:
            entry["securityContext"] = sidecar.security_context
        if sidecar.ports:
            entry["ports"] = [
                {"name": p.name, "containerPort": p.port, "protocol": p.protocol}
                for p in sidecar.ports
            ]
        if sidecar.env:
            entry["env"] = [{"name": k, "value": v} for k, v in sidecar.env.items()]
        entry["resources"] = _resources(sidecar.resources)
        if sidecar.volume_mounts:
            entry["volumeMounts"] = sidecar.volume_mounts
        out.append(entry)
    return out


def _ingress(service: Service) -> dict[str, Any]:
    if service.ingress is None:
        return {"enabled": False}
    ingress = service.ingress
    return {
        "enabled": True,
        "host": ingress.host,
        "paths": ingress.paths,
        "auth": ingress.auth == "required",
        "tls": {"enabled": ingress.tls},
    }


def _ingress_namespaces(service: Service) -> list[str]:
    namespaces = (["traefik"] if service.ingress else []) + ["monitoring"] + service.allow_from
    return list(dict.fromkeys(namespaces))


def service_values(platform: Platform, service: Service) -> dict[str, Any]:
    secret_keys = _secret_keys(platform, service)
    registry = platform.registry
    values: dict[str, Any] = {
        "nameOverride": "",
        "fullnameOverride": service.name,
        "replicaCount": service.replicas,
        "environment": platform.service_environment(service),
        "image": {
            "repository": service.image.repository,
            "tag": service.image.tag or "",
            "pullPolicy": "IfNotPresent",
        },
        "imagePullSecrets": [{"name": registry.pull_secret}] if registry.pull_secret else [],
        "serviceAccount": {"create": True, "name": "", "automount": False},
        "service": {
            "type": "ClusterIP",
            **({"port": service.port} if service.port is not None else {"http": False}),
            "extraPorts": [
                {"name": p.name, "port": p.port, "targetPort": p.name, "protocol": p.protocol}
                for p in service.extra_ports
            ],
        },
        "extraPorts": [
            {"name": p.name, "containerPort": p.port, "protocol": p.protocol}
            for p in service.extra_ports
        ],
        **({"command": service.command} if service.command is not None else {}),
        **({"args": service.args} if service.args is not None else {}),
        "springProfile": service.spring_profile,
        "resources": _resources(service.resources),
        "probes": {
            "liveness": _probe(service.probes.liveness),
            "readiness": _probe(service.probes.readiness),
            "startup": _probe(service.probes.startup),
        },
        "autoscaling": {
            "enabled": service.autoscaling.enabled,
            "minReplicas": service.autoscaling.min_replicas,
            "maxReplicas": service.autoscaling.max_replicas,
            **(
                {"targetCPUUtilizationPercentage": service.autoscaling.target_cpu}
                if service.autoscaling.target_cpu
                else {}
            ),
            **(
                {"targetMemoryUtilizationPercentage": service.autoscaling.target_memory}
                if service.autoscaling.target_memory
                else {}
            ),
        },
        "pdb": {
            "enabled": service.pdb.enabled,
            **(
                {"minAvailable": service.pdb.min_available}
                if service.pdb.min_available is not None
                else {"maxUnavailable": service.pdb.max_unavailable}
            ),
        },
        "metrics": {
            "enabled": service.metrics.enabled,
            "path": service.metrics.path,
            "interval": service.metrics.interval,
            **({"port": service.metrics.port} if service.metrics.port != "http" else {}),
        },
        "networkPolicy": {
            "enabled": True,
            "allowExternalHTTPS": service.egress.external_https,
            "egress": {
                "postgres": bool(platform.service_databases(service)),
                "kafka": service.egress.kafka,
                "databaseNamespace": DATABASE_NAMESPACE,
                "kafkaNamespace": KAFKA_NAMESPACE,
            },
            "ingressFromNamespaces": ["traefik", "monitoring"]
            if service.ingress
            else ["monitoring"],
        },
        "externalSecret": {
            "enabled": bool(secret_keys),
            "refreshInterval": "1h",
            "reloadOnChange": True,
            "keys": secret_keys,
        },
        "env": _env(platform, service),
        "tmpDir": {"enabled": service.tmp_dir.enabled, "sizeLimit": service.tmp_dir.size_limit},
        "volumes": service.volumes,
        "volumeMounts": service.volume_mounts,
        "nodeSelector": service.scheduling.node_selector,
        "tolerations": service.scheduling.tolerations,
        "affinity": service.scheduling.affinity,
        "topologySpreadConstraints": service.scheduling.topology_spread_constraints,
        "sidecars": _sidecars(service),
        "ingress": _ingress(service),
    }
    if service.name == AUTH_SERVICE:
        values.update(auth_service_values(platform))
    return deep_merge(values, service.values)
