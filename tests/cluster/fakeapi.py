"""A small fake Kubernetes API server for driving the real kubectl over HTTP on 127.0.0.1.

It serves discovery (`/version`, `/api`, `/apis`, per-group resource lists), list/get of the
objects in its state, and server-side apply (`PATCH` with `application/apply-patch+yaml`).
CustomResourceDefinitions applied to it are reported `Established` (or not, per
`establish_crds`) and their kinds become servable. Every request is recorded so tests can
assert on what kubectl sent.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


BUILTIN = [
    Resource("", "v1", "Namespace", "namespaces", False),
    Resource("", "v1", "Node", "nodes", False),
    Resource("", "v1", "Secret", "secrets", True),
    Resource("", "v1", "ConfigMap", "configmaps", True),
    Resource("", "v1", "Service", "services", True),
    Resource("", "v1", "Pod", "pods", True),
    Resource("apps", "v1", "Deployment", "deployments", True),
    Resource("apps", "v1", "DaemonSet", "daemonsets", True),
    Resource("networking.k8s.io", "v1", "Ingress", "ingresses", True),
    Resource(
        "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False
    ),
]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SHORT_NAMES = {
    "customresourcedefinitions": ["crd", "crds"],
    "namespaces": ["ns"],
    "nodes": ["no"],
    "applications": ["app", "apps"],
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: str


@dataclass
class FakeCluster:
    """The state the fake server serves. `objects` maps (group, plural, ns, name) -> object."""

    version: str = "v1.35.2+k3s1"
    objects: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    establish_crds: bool = True
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- resources -------------------------------------------------------------------
    def resources(self) -> list[Resource]:
        found = list(BUILTIN)
        for key, obj in self.objects.items():
            if key[1] != "customresourcedefinitions" or not _established(obj):
                continue
            spec = obj["spec"]
            for version in spec.get("versions", []):
                if version.get("served", True):
                    found.append(
                        Resource(
                            spec["group"],
                            version["name"],
                            spec["names"]["kind"],
                            spec["names"]["plural"],
                            spec.get("scope", "Namespaced") == "Namespaced",
                        )
                    )
        return found

    def resource_for(self, group: str, version: str, plural: str) -> Resource | None:
        for res in self.resources():
            if (res.group, res.version, res.plural) == (group, version, plural):
                return res
        return None

    # -- state -----------------------------------------------------------------------
    def add(self, obj: dict[str, Any]) -> None:
        """Put an object into the state (kind/apiVersion decide where)."""
        api_version = obj["apiVersion"]
        group = api_version.split("/")[0] if "/" in api_version else ""
        kind = obj["kind"]
        res = next((r for r in self.resources() if (r.group, r.kind) == (group, kind)), None)
        if res is None:
            raise KeyError(f"fake API server does not serve {api_version} {kind}")
        meta = obj.setdefault("metadata", {})
        ns = meta.get("namespace", "") if res.namespaced else ""
        if kind == "Secret" and "stringData" in obj:  # as the API server does
            data = obj.setdefault("data", {})
            for key, value in obj.pop("stringData").items():
                data[key] = base64.b64encode(str(value).encode()).decode()
        if res.plural == "customresourcedefinitions" and self.establish_crds:
            obj.setdefault("status", {})["conditions"] = [
                {"type": "NamesAccepted", "status": "True"},
                {"type": "Established", "status": "True"},
            ]
        with self.lock:
            self.objects[(group, res.plural, ns, meta["name"])] = obj

    def add_yaml(self, text: str) -> None:
        for doc in yaml.load_all(text, Loader=_LOADER):
            if isinstance(doc, dict):
                if doc.get("kind", "").endswith("List") and "items" in doc:
                    for item in doc["items"]:
                        self.add(item)
                else:
                    self.add(doc)

    def add_file(self, path: Path) -> None:
        self.add_yaml(path.read_text())

    def get(self, group: str, plural: str, name: str, namespace: str = "") -> dict[str, Any] | None:
        return self.objects.get((group, plural, namespace, name))

    def of_kind(self, group: str, plural: str) -> Iterator[dict[str, Any]]:
        for key, obj in list(self.objects.items()):
            if key[:2] == (group, plural):
                yield obj

    def mutating_requests(self) -> list[Request]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]


def _established(crd: dict[str, Any]) -> bool:
    for cond in crd.get("status", {}).get("conditions", []):
        if cond.get("type") == "Established":
            return bool(cond.get("status") == "True")
    return False


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster  # set on the subclass per server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body: str) -> tuple[str, dict[str, list[str]]]:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        with self.cluster.lock:
            self.cluster.requests.append(
                Request(self.command, url.path, query, self.headers.get("Content-Type", ""), body)
            )
        return url.path, query

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def do_GET(self) -> None:
        path, query = self._record("")
        self._dispatch_get(path, query)

    def do_PATCH(self) -> None:
        body = self._body()
        path, query = self._record(body)
        self._dispatch_patch(path, query, body)

    def do_POST(self) -> None:
        body = self._body()
        self._record(body)
        self._send(405, _status(405, "MethodNotAllowed", "the fake API server only supports apply"))

    def do_PUT(self) -> None:
        self.do_POST()

    def do_DELETE(self) -> None:
        self.do_POST()

    # -- GET -------------------------------------------------------------------------
    def _dispatch_get(self, path: str, query: dict[str, list[str]]) -> None:
        c = self.cluster
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            major, minor = c.version.lstrip("v").split(".")[:2]
            self._send(
                200,
                {
                    "major": major,
                    "minor": minor,
                    "gitVersion": c.version,
                    "platform": "linux/amd64",
                },
            )
            return
        if path == "/api":
            self._send(
                200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
            )
            return
        if path == "/apis":
            self._send(200, self._group_list())
            return
        if path == "/openapi/v3":
            self._send(200, self._openapi_root())
            return
        if parts[:2] == ["openapi", "v3"]:
            self._send(200, self._openapi_group("/".join(parts[2:])))
            return
        if parts[:1] == ["api"] and len(parts) == 2:
            self._send(200, self._resource_list("", parts[1]))
            return
        if parts[:1] == ["apis"] and len(parts) == 3:
            self._send(200, self._resource_list(parts[1], parts[2]))
            return
        target = self._target(parts)
        if target is None:
            self._send(404, _status(404, "NotFound", f"the server could not find {path}"))
            return
        res, ns, name = target
        if name is None:
            items = [
                obj
                for key, obj in sorted(c.objects.items())
                if key[:2] == (res.group, res.plural) and (not ns or key[2] == ns)
            ]
            selector = (query.get("labelSelector") or [""])[0]
            if selector:
                items = [o for o in items if _matches(o, selector)]
            self._send(
                200,
                {
                    "kind": f"{res.kind}List",
                    "apiVersion": res.group_version,
                    "metadata": {"resourceVersion": "1"},
                    "items": items,
                },
            )
            return
        obj = c.get(res.group, res.plural, name, ns)
        if obj is None:
            self._send(
                404,
                _status(404, "NotFound", f'{res.plural}.{res.group or "core"} "{name}" not found'),
            )
            return
        self._send(200, obj)

    def _group_list(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for res in self.cluster.resources():
            if res.group:
                versions = groups.setdefault(res.group, [])
                if res.version not in versions:
                    versions.append(res.version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                    "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
                }
                for g, vs in sorted(groups.items())
            ],
        }

    def _group_versions(self) -> list[str]:
        return sorted(
            {
                ("api/" if not r.group else "apis/") + r.group_version
                for r in self.cluster.resources()
            }
        )

    def _openapi_root(self) -> dict[str, Any]:
        return {
            "paths": {
                gv: {"serverRelativeURL": f"/openapi/v3/{gv}"} for gv in self._group_versions()
            }
        }

    def _openapi_group(self, gv_path: str) -> dict[str, Any]:
        """Just enough OpenAPI v3 for kubectl to see that PATCH accepts fieldValidation."""
        paths: dict[str, Any] = {}
        for r in self.cluster.resources():
            if ("api/" if not r.group else "apis/") + r.group_version != gv_path:
                continue
            scope = "namespaces/{namespace}/" if r.namespaced else ""
            paths[f"/{gv_path}/{scope}{r.plural}/{{name}}"] = {
                "patch": {
                    "x-kubernetes-group-version-kind": {
                        "group": r.group,
                        "version": r.version,
                        "kind": r.kind,
                    },
                    "parameters": [
                        {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "OK"}},
                }
            }
        return {
            "openapi": "3.0.0",
            "info": {"title": "fake", "version": "v1"},
            "paths": paths,
            "components": {"schemas": {}},
        }

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        gv = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": [
                {
                    "name": r.plural,
                    "singularName": r.kind.lower(),
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": ["get", "list", "patch", "create", "update", "delete", "watch"],
                    "shortNames": SHORT_NAMES.get(r.plural, []),
                }
                for r in self.cluster.resources()
                if (r.group, r.version) == (group, version)
            ],
        }

    def _target(self, parts: list[str]) -> tuple[Resource, str, str | None] | None:
        if parts[:1] == ["api"]:
            group, version, rest = "", parts[1] if len(parts) > 1 else "", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        ns = ""
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest:
            return None
        res = self.cluster.resource_for(group, version, rest[0])
        if res is None:
            return None
        if rest[0] == "namespaces" and len(rest) == 1 and ns:
            return res, "", ns
        return res, ns, rest[1] if len(rest) > 1 else None

    # -- PATCH (server-side apply) ---------------------------------------------------
    def _dispatch_patch(self, path: str, query: dict[str, list[str]], body: str) -> None:
        parts = [p for p in path.split("/") if p]
        if "apply-patch" not in self.headers.get("Content-Type", ""):
            self._send(415, _status(415, "UnsupportedMediaType", "only server-side apply"))
            return
        target = self._target(parts)
        res, ns, name = target if target is not None else (None, "", None)
        if res is None or name is None:
            self._send(404, _status(404, "NotFound", f"the server could not find {path}"))
            return
        patch = yaml.load(body, Loader=_LOADER)
        if "dryRun" in query:
            self._send(200, patch)
            return
        existing = self.cluster.get(res.group, res.plural, name, ns)
        merged = _merge(existing or {}, patch)
        merged.setdefault("metadata", {})["name"] = name
        if ns:
            merged["metadata"]["namespace"] = ns
        self.cluster.add(merged)
        self._send(200 if existing else 201, merged)


def _matches(obj: dict[str, Any], selector: str) -> bool:
    labels = obj.get("metadata", {}).get("labels", {}) or {}
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


class FakeApiServer:
    """Serve `cluster` on 127.0.0.1:<free port>; `kubeconfig` writes a kubeconfig for it."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        handler = type("Handler", (_Handler,), {"cluster": cluster})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, path: Path, context: str = "fake") -> Path:
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "fake", "user": {"token": "fake-token"}}],
                    "contexts": [{"name": context, "context": {"cluster": "fake", "user": "fake"}}],
                    "current-context": context,
                }
            )
        )
        return path
