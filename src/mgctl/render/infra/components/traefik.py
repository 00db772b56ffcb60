"""Traefik (ingress, MetalLB LoadBalancer) and the Auth0 ForwardAuth middleware.

`trustForwardHeader` is set to false explicitly: Traefik would otherwise forward client-sent
X-Forwarded-* headers to the auth-service, letting a client choose the host/URI the rule table
is evaluated against. `aliasHeadersStrategy: reject` stops `X_User_Roles`-style aliases of the
identity headers from reaching services that normalise `_` to `-`.
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.auth_service_config import AuthEndpoint, auth_endpoint
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace
from mgctl.render.security_contexts import restricted_container, restricted_pod

NAME = "traefik"
NAMESPACE = "traefik"
SYNC_WAVE = 2
MIDDLEWARE = "auth0-auth"
AUTH_RESPONSE_HEADERS = ["X-User-Id", "X-User-Email", "X-User-Roles"]
# Only what the auth-service reads; cookies and other client headers never reach it.
AUTH_REQUEST_HEADERS = ["Authorization", "Access-Control-Request-Method"]
MAX_AUTH_RESPONSE_BODY = 4096  # 2xx bodies from the auth-service are empty; anything else is 401


def middleware(endpoint: AuthEndpoint) -> dict[str, Any]:
    """The ForwardAuth middleware every protected IngressRoute uses, pointing at the Service
    the auth-service chart renders (`auth_endpoint`: one derivation for both)."""
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": MIDDLEWARE, "namespace": NAMESPACE},
        "spec": {
            "forwardAuth": {
                "address": endpoint.verify_url,
                "trustForwardHeader": False,
                "authRequestHeaders": AUTH_REQUEST_HEADERS,
                "authResponseHeaders": AUTH_RESPONSE_HEADERS,
                "authResponseHeadersRegex": "^X-User-",
                "maxResponseBodySize": MAX_AUTH_RESPONSE_BODY,
            }
        },
    }


def values() -> dict[str, Any]:
    pin = catalog.chart("traefik")
    return {
        # the chart's default Traefik lacks entry point options mgctl sets (data/catalog.yaml)
        "image": {"tag": pin.image_tag},
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": "traefik"},
        "providers": {
            "kubernetesCRD": {"enabled": True, "allowCrossNamespace": True},
            "kubernetesIngress": {"enabled": True},
        },
        "ports": {
            "web": {
                "http": {
                    "redirections": {
                        "entryPoint": {"to": "websecure", "scheme": "https", "permanent": True}
                    }
                }
            },
            "websecure": {"http": {"tls": {"enabled": True}}},
        },
        "additionalArguments": [
            "--entryPoints.web.http.aliasHeadersStrategy=reject",
            "--entryPoints.websecure.http.aliasHeadersStrategy=reject",
        ],
        "service": {"spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}},
        "podSecurityContext": restricted_pod(65532, 65532),
        "securityContext": restricted_container(),
    }


def build(platform: Platform) -> list[Component]:
    endpoint = auth_endpoint(platform)
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("traefik").ref,
            values=values(),
            # no auth section, no auth-service: nothing may point at it (config refuses a
            # protected ingress then)
            manifests={"middlewares": [middleware(endpoint)]} if endpoint else {},
            provides_crds=(
                "traefik.io/IngressRoute",
                "traefik.io/IngressRouteTCP",
                "traefik.io/IngressRouteUDP",
                "traefik.io/Middleware",
                "traefik.io/MiddlewareTCP",
                "traefik.io/ServersTransport",
                "traefik.io/ServersTransportTCP",
                "traefik.io/TLSOption",
                "traefik.io/TLSStore",
                "traefik.io/TraefikService",
            ),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=(
                *CRDS_AND_RBAC,
                "networking.k8s.io/IngressClass",
            ),
            description="Ingress controller; ForwardAuth to the auth-service (Auth0 JWTs)",
            seed_deviation="Seed: k3s-bundled Traefik, trustForwardHeader: true, auth-service in "
            "default. Now chart-managed (k3s --disable traefik), trustForwardHeader false, "
            "authResponseHeadersRegex, maxResponseBodySize, aliasHeadersStrategy reject.",
        )
    ]
