"""What bootstrap takes from the rendered mg-infrastructure repository and the pinned CRDs.

- Namespaces (with their Pod Security labels): every `Namespace` under `security/`.
- Argo CD's own Application (the one whose chart is `argo-cd`): release name, namespace, chart
  repository and exact version, and its values file. Bootstrap installs exactly that.
- The root Application(s): `bootstrap/root.yaml`.
- CRDs needed before Argo CD can sync: Argo CD's own (from the schema dir, at the catalog's
  pinned version) plus the CRD of every other custom kind the root Application syncs directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mgctl import catalog
from mgctl.cluster.helm import HelmRelease
from mgctl.validate.crd_index import CrdIndex

INFRA = "mg-infrastructure"
DEPLOY = "mg-deploy"
ROOT_FILE = Path("bootstrap/root.yaml")
BUILTIN_GROUPS = {
    "", "apps", "batch", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
    "apiextensions.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "autoscaling",
    "admissionregistration.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
}  # fmt: skip
ARGO_GROUP = "argoproj.io"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: CRD files are megabytes


class RenderedTreeError(RuntimeError):
    """The rendered repositories are missing something bootstrap needs; says how to fix it."""


class SchemasMissing(RenderedTreeError):
    """The pinned CRD files are not in the schema dirs (`mgctl schemas fetch`)."""


@dataclass(frozen=True)
class Crd:
    name: str
    group: str
    kind: str
    versions: tuple[str, ...]
    source: str  # file it came from, for the plan
    body: dict[str, Any]


@dataclass(frozen=True)
class RenderedInfra:
    root: Path
    namespaces: list[dict[str, Any]]
    argocd_app: dict[str, Any]
    argocd: HelmRelease
    root_apps: list[dict[str, Any]]  # every document of bootstrap/root.yaml, in order
    crds: list[Crd]
    tailscale_hosts: list[str]


def load_docs(path: Path) -> list[dict[str, Any]]:
    try:
        docs = list(yaml.load_all(path.read_text(), Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise RenderedTreeError(f"{path}: not valid YAML ({exc}); re-run `mgctl render`") from exc
    return [d for d in docs if isinstance(d, dict)]


def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.y*ml") if p.is_file() and p.suffix in {".yaml", ".yml"})


def _group(doc: dict[str, Any]) -> str:
    api = str(doc.get("apiVersion", ""))
    return api.rsplit("/", 1)[0] if "/" in api else ""


def _sources(app: dict[str, Any]) -> list[dict[str, Any]]:
    spec = app.get("spec") or {}
    if spec.get("sources"):
        return [s for s in spec["sources"] if isinstance(s, dict)]
    return [spec["source"]] if isinstance(spec.get("source"), dict) else []


def infra_dir(out: Path) -> Path:
    candidate = out if out.name == INFRA else out / INFRA
    if not (candidate / ROOT_FILE).is_file():
        raise RenderedTreeError(
            f"{candidate / ROOT_FILE} not found. Fix: `mgctl render -c platform.yaml -o {out}` "
            "(or drop --out to let bootstrap render into a temporary directory)"
        )
    return candidate


def argocd_release(infra: Path, chart_name: str) -> tuple[dict[str, Any], HelmRelease]:
    for path in _yaml_files(infra):
        for doc in load_docs(path):
            if doc.get("kind") != "Application":
                continue
            for src in _sources(doc):
                if src.get("chart") != chart_name:
                    continue
                helm = src.get("helm") or {}
                files = [str(f) for f in helm.get("valueFiles") or []]
                if len(files) != 1 or not files[0].startswith("$"):
                    raise RenderedTreeError(
                        f"{path}: Argo CD's Application must take exactly one values file from "
                        f"this repository ($values/…), found {files}; re-run `mgctl render`"
                    )
                values = infra / files[0].split("/", 1)[1]
                if not values.is_file():
                    raise RenderedTreeError(f"{values} (Argo CD's values) not found; re-render")
                meta = doc.get("metadata") or {}
                release = HelmRelease(
                    name=str(helm.get("releaseName") or meta.get("name")),
                    namespace=str(((doc.get("spec") or {}).get("destination") or {}).get(
                        "namespace", "argocd")),
                    repo_url=str(src.get("repoURL")),
                    chart=chart_name,
                    version=str(src.get("targetRevision")),
                    values_file=values,
                )  # fmt: skip
                return doc, release
    raise RenderedTreeError(
        f"no Application for chart {chart_name!r} under {infra}: Argo CD must manage itself. "
        "Re-run `mgctl render`"
    )


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Argo CD directory include/exclude globs: `{a,b}` alternatives, `*` within one segment."""
    out, depth = "", 0
    for ch in pattern:
        if ch == "{":
            out, depth = out + "(?:", depth + 1
        elif ch == "}" and depth:
            out, depth = out + ")", depth - 1
        elif ch == "," and depth:
            out += "|"
        elif ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        else:
            out += re.escape(ch)
    return re.compile(out + r"\Z")


def source_files(infra: Path, source: dict[str, Any]) -> list[Path]:
    """The files a directory source of this repository syncs (recurse, include, exclude)."""
    path = source.get("path")
    if path is None:
        return []
    directory = (infra / str(path)).resolve()
    options = source.get("directory") or {}
    files = _yaml_files(directory) if options.get("recurse") else sorted(directory.glob("*.y*ml"))
    include = _glob_regex(str(options["include"])) if options.get("include") else None
    exclude = _glob_regex(str(options["exclude"])) if options.get("exclude") else None
    chosen = []
    for file in files:
        rel = file.resolve().relative_to(directory).as_posix()
        if include is not None and not include.match(rel):
            continue
        if exclude is not None and exclude.match(rel):
            continue
        chosen.append(file)
    return chosen


def root_synced_kinds(infra: Path, root_docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(group, kind) of every object the root Application(s) sync directly from this repo."""
    kinds: set[tuple[str, str]] = set()
    for app in root_docs:
        if app.get("kind") != "Application":
            continue
        for src in _sources(app):
            for file in source_files(infra, src):
                for doc in load_docs(file):
                    kinds.add((_group(doc), str(doc.get("kind"))))
    return kinds


ARGO_KINDS = ("Application", "ApplicationSet", "AppProject")
NOT_FETCHED = "not fetched: run `mgctl schemas fetch` or pass --schemas DIR"


def placeholder_crd(group: str, kind: str) -> Crd:
    """A CRD known only by group/kind (dry run without the pinned files): name by convention."""
    return Crd(f"{kind.lower()}s.{group}", group, kind, (), NOT_FETCHED, {})


def pinned_crds(
    schema_dirs: list[Path], kinds: set[tuple[str, str]], placeholders: bool = False
) -> list[Crd]:
    """Argo CD's CRDs at the catalog's version, then the CRD of every other custom kind.

    With `placeholders` (dry run), CRDs missing from the schema dirs are listed by name
    instead of failing.
    """
    argo_dir = catalog.chart("argo-cd").crd_dir
    found: dict[str, Crd] = {}
    argo_files = [p for d in schema_dirs for p in sorted((d / str(argo_dir)).glob("*.yaml"))]
    if not argo_files and not placeholders:
        looked = ", ".join(str(d / str(argo_dir)) for d in schema_dirs)
        raise SchemasMissing(
            f"Argo CD CRDs for {argo_dir} not found (looked in {looked}). "
            "Fix: `mgctl schemas fetch`, or pass --schemas DIR"
        )
    for path in argo_files:
        for doc in load_docs(path):
            if doc.get("kind") == "CustomResourceDefinition":
                crd = _crd(doc, str(path))
                found.setdefault(crd.name, crd)
    if not argo_files:
        for kind in ARGO_KINDS:
            crd = placeholder_crd(ARGO_GROUP, kind)
            found[crd.name] = crd
    custom = sorted(k for k in kinds if k[0] not in BUILTIN_GROUPS and k[0] != ARGO_GROUP)
    if custom:
        index = CrdIndex([d for d in schema_dirs if d.is_dir()])
        for group, kind in custom:
            definition = index.get(group, kind)
            if definition is None or not definition.sources:
                if placeholders:
                    crd = placeholder_crd(group, kind)
                    found.setdefault(crd.name, crd)
                    continue
                raise SchemasMissing(
                    f"the root Application syncs {group}/{kind} but no pinned CRD defines it in "
                    f"{', '.join(map(str, schema_dirs))}. Fix: `mgctl schemas fetch`"
                )
            source = definition.sources[0]
            crd = _crd(source.load(), str(source.file))
            found.setdefault(crd.name, crd)
    return list(found.values())


def _crd(doc: dict[str, Any], source: str) -> Crd:
    spec = doc.get("spec") or {}
    body = {k: v for k, v in doc.items() if k != "status"}
    return Crd(
        name=str((doc.get("metadata") or {}).get("name")),
        group=str(spec.get("group")),
        kind=str((spec.get("names") or {}).get("kind")),
        versions=tuple(str(v.get("name")) for v in spec.get("versions") or [] if v.get("served")),
        source=source,
        body=body,
    )


def namespaces(infra: Path) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    security = infra / "security"
    for path in _yaml_files(security) if security.is_dir() else []:
        for doc in load_docs(path):
            if doc.get("kind") == "Namespace" and doc.get("apiVersion") == "v1":
                meta = doc.get("metadata") or {}
                found[str(meta.get("name"))] = {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": meta.get("name"), "labels": meta.get("labels") or {}},
                }
    if not found:
        raise RenderedTreeError(f"no Namespace objects under {security}; re-run `mgctl render`")
    return list(found.values())


def tailscale_hosts(infra: Path) -> list[str]:
    """Hosts of the Ingresses served on the tailnet (ingressClassName: tailscale)."""
    hosts: list[str] = []
    for path in _yaml_files(infra / "base") if (infra / "base").is_dir() else []:
        for doc in load_docs(path):
            spec = doc.get("spec") or {}
            if doc.get("kind") == "Ingress" and spec.get("ingressClassName") == "tailscale":
                for tls in spec.get("tls") or []:
                    hosts += [str(h) for h in tls.get("hosts") or []]
    return sorted(set(hosts))


def load_rendered(out: Path, schema_dirs: list[Path], placeholders: bool = False) -> RenderedInfra:
    infra = infra_dir(out)
    root_apps = load_docs(infra / ROOT_FILE)
    if not any(d.get("kind") == "Application" for d in root_apps):
        raise RenderedTreeError(f"{infra / ROOT_FILE} holds no Application; re-run `mgctl render`")
    app, release = argocd_release(infra, catalog.chart("argo-cd").chart)
    pinned = catalog.chart("argo-cd")
    if (release.repo_url, release.version) != (pinned.repo_url, pinned.version):
        raise RenderedTreeError(
            f"Argo CD's Application uses {release.repo_url} {release.chart} {release.version} but "
            f"this mgctl pins {pinned.repo_url} {pinned.version}; re-run `mgctl render` so that "
            "bootstrap and the self-managing Application install the same version"
        )
    return RenderedInfra(
        root=infra,
        namespaces=namespaces(infra),
        argocd_app=app,
        argocd=release,
        root_apps=root_apps,
        crds=pinned_crds(schema_dirs, root_synced_kinds(infra, root_apps), placeholders),
        tailscale_hosts=tailscale_hosts(infra),
    )
