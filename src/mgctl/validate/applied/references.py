"""Traffic goes somewhere that exists: Traefik ForwardAuth addresses, Ingress and IngressRoute
backends name a Service (and one of its ports) that some Application renders; IngressRoute
middlewares name a Middleware that exists. Traefik answers 500 (ForwardAuth) or 404/503
(backends) for references it cannot resolve, and nothing else reports them before traffic."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Manifest
from mgctl.validate.applied.objects import landing_namespace

CHECK = "reference"
CLUSTER_DOMAIN = "cluster.local"


@dataclass
class Services:
    ports: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (ns, name) -> ports
    middlewares: set[tuple[str, str]] = field(default_factory=set)

    def has_port(self, namespace: str, name: str, port: object) -> bool | None:
        """None: no such Service; else whether it exposes `port` (number or name)."""
        ports = self.ports.get((namespace, name))
        if ports is None:
            return None
        return port in (None, "") or str(port) in ports


def _index(view: ArgoView) -> Services:
    found = Services()
    for rendered in view.apps:
        for obj in rendered.objects:
            namespace = landing_namespace(obj, rendered, view.cluster) or ""
            if obj.kind == "Service" and obj.group == "":
                ports = set()
                for port in (obj.body.get("spec") or {}).get("ports") or []:
                    if isinstance(port, dict):
                        ports |= {str(port.get("port")), str(port.get("name", ""))}
                found.ports[(namespace, obj.name)] = ports - {""}
            elif obj.kind == "Middleware" and obj.group == "traefik.io":
                found.middlewares.add((namespace, obj.name))
    return found


def service_of_url(url: str) -> tuple[str, str, str] | None:
    """(namespace, service, port) of an in-cluster URL (svc.ns[.svc[.cluster.local]])."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    for suffix in (f".svc.{CLUSTER_DOMAIN}", ".svc"):
        if host.endswith(suffix):
            host = host.removesuffix(suffix)
            break
    else:
        if host.count(".") != 1:
            return None  # not a cluster Service name
    name, _, namespace = host.partition(".")
    default = "443" if parsed.scheme == "https" else "80"
    return namespace, name, str(parsed.port or default)


def _problems(obj: Manifest, namespace: str, services: Services) -> Iterator[tuple[str, str]]:
    spec = obj.body.get("spec") or {}
    if obj.kind == "Middleware" and obj.group == "traefik.io":
        address = (spec.get("forwardAuth") or {}).get("address")
        if isinstance(address, str):
            target = service_of_url(address)
            if target is not None:
                yield from _service("spec.forwardAuth.address", *target, services, "ForwardAuth")
    elif obj.kind == "Ingress" and obj.group == "networking.k8s.io":
        for path, backend in _ingress_backends(spec):
            port = backend.get("port") or {}
            wanted = port.get("number", port.get("name"))
            yield from _service(
                path, namespace, str(backend.get("name")), wanted, services, "backend"
            )
    elif obj.kind == "IngressRoute" and obj.group == "traefik.io":
        for r, route in enumerate(spec.get("routes") or []):
            for s, svc in enumerate(route.get("services") or []):
                if svc.get("kind", "Service") == "Service":
                    yield from _service(
                        f"spec.routes[{r}].services[{s}]",
                        str(svc.get("namespace") or namespace),
                        str(svc.get("name")),
                        svc.get("port"),
                        services,
                        "backend",
                    )
            for m, middleware in enumerate(route.get("middlewares") or []):
                key = (str(middleware.get("namespace") or namespace), str(middleware.get("name")))
                if key not in services.middlewares:
                    yield (
                        f"spec.routes[{r}].middlewares[{m}]",
                        f"Middleware {key[0]}/{key[1]} is not rendered by any Application: "
                        "Traefik drops the route",
                    )


def _ingress_backends(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    default = (spec.get("defaultBackend") or {}).get("service")
    if isinstance(default, dict):
        yield "spec.defaultBackend.service", default
    for r, rule in enumerate(spec.get("rules") or []):
        for p, path in enumerate((rule.get("http") or {}).get("paths") or []):
            service = (path.get("backend") or {}).get("service")
            if isinstance(service, dict):
                yield f"spec.rules[{r}].http.paths[{p}].backend.service", service


def _service(
    path: str, namespace: str, name: str, port: object, services: Services, role: str
) -> Iterator[tuple[str, str]]:
    found = services.has_port(namespace, name, port)
    if found is None:
        yield (
            path,
            (
                f"{role} Service {namespace}/{name} is not rendered by any Application"
                + (
                    ": every request through it fails (Traefik answers 500)"
                    if role == "ForwardAuth"
                    else ": requests get no backend"
                )
            ),
        )
    elif not found:
        yield path, f"{role} Service {namespace}/{name} has no port {port}"


def check(view: ArgoView) -> list[Finding]:
    services = _index(view)
    findings = []
    for rendered in view.apps:
        for obj in rendered.objects:
            namespace = landing_namespace(obj, rendered, view.cluster) or ""
            for path, message in _problems(obj, namespace, services):
                findings.append(obj.finding(CHECK, path, message).in_application(rendered.app.name))
    return findings
