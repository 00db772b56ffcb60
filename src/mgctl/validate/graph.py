"""Graph checks over mg-infrastructure (and the mg-deploy directories it points at).

- crd-order:      every custom resource's kind is installed by an Application of an earlier
                  sync wave (`mgctl.io/provides-crds` on the Applications); Argo CD's own kinds
                  are installed by bootstrap. The same holds for the custom resources rendered
                  from each mg-deploy directory against the ApplicationSet that syncs it.
- source-path:    every Application/ApplicationSet source path (and `$values` file) exists in
                  the generated repositories; ApplicationSet git generators are expanded over
                  the directories they match.
- namespace-pss:  every namespace an Application deploys into gets Pod Security labels, from a
                  Namespace in the repository or the Application's managedNamespaceMetadata.
- project-scope:  AppProjects allow what their Applications use and nothing more (no `*`).
- chart-pin:      every chart is pinned to one exact version.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.manifests import Finding, Manifest

PROVIDES_CRDS = "mgctl.io/provides-crds"
CLUSTER_RESOURCES = "mgctl.io/cluster-resources"
EXTRA_NAMESPACES = "mgctl.io/extra-namespaces"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
ROOT_FILE = "bootstrap/root.yaml"
PSS_ENFORCE = "pod-security.kubernetes.io/enforce"
BOOTSTRAP_GROUPS = {"argoproj.io"}  # Argo CD's CRDs: installed by bootstrap before any sync
BUILTIN_CLUSTER_KINDS = {
    "/Namespace",
    "/PersistentVolume",
    "/Node",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "storage.k8s.io/StorageClass",
    "storage.k8s.io/CSIDriver",
    "storage.k8s.io/VolumeAttachment",
    "networking.k8s.io/IngressClass",
    "scheduling.k8s.io/PriorityClass",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration",
    "apiregistration.k8s.io/APIService",
}
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
TEMPLATE = re.compile(r"\{\{\s*\.path\.(path|basename)\s*\}\}")


@dataclass
class App:
    """An Application, or one Application an ApplicationSet generates."""

    name: str
    manifest: Manifest
    project: str
    namespace: str
    wave: int
    sources: list[dict[str, Any]]
    sync_options: list[str]
    managed_labels: dict[str, str]
    provides: set[str]
    cluster_kinds: set[str]
    extra_namespaces: set[str]
    synced: list[Manifest] = field(default_factory=list)  # objects its directory sources sync


def _annotations(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("metadata") or {}).get("annotations") or {}


def _wave(body: dict[str, Any]) -> int:
    try:
        return int(_annotations(body).get(SYNC_WAVE, 0))
    except (TypeError, ValueError):
        return 0


def _csv(value: Any) -> set[str]:
    return {part.strip() for part in str(value or "").split(",") if part.strip()}


def kind_key(group: str, kind: str) -> str:
    return f"{group}/{kind}"


def _manifest_key(manifest: Manifest) -> str:
    return kind_key(manifest.group, manifest.kind)


def _destination_text(destination: dict[str, Any]) -> str:
    return "|".join(str(destination.get(k, "")) for k in ("server", "name", "namespace"))


def _is_custom(manifest: Manifest) -> bool:
    group = manifest.group
    return "." in group and not group.endswith(".k8s.io")


def _is_cluster_scoped(manifest: Manifest) -> bool:
    key = _manifest_key(manifest)
    if key in BUILTIN_CLUSTER_KINDS:
        return True
    return _is_custom(manifest) and manifest.namespace is None


def _sources(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(spec.get("sources"), list):
        return [s for s in spec["sources"] if isinstance(s, dict)]
    return [spec["source"]] if isinstance(spec.get("source"), dict) else []


def _relative(manifest: Manifest) -> str:
    return manifest.source.split("/", 1)[1] if "/" in manifest.source else manifest.source


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [e for alt in match.group(1).split(",") for e in _expand_braces(head + alt + tail)]


class Repos:
    """Repository URL -> generated directory."""

    def __init__(self, infra_url: str | None, infra: Path, deploy: Path | None) -> None:
        self.infra_url = infra_url
        self.infra = infra
        self.deploy = deploy

    def directory(self, url: str) -> Path | None:
        if url == self.infra_url:
            return self.infra
        return self.deploy


def _infra_url(manifests: list[Manifest]) -> str | None:
    for manifest in manifests:
        if manifest.kind == "Application" and _relative(manifest).startswith("bootstrap/"):
            for source in _sources(manifest.body.get("spec") or {}):
                if "chart" not in source:
                    return str(source.get("repoURL"))
    return None


def _generator_dirs(appset: Manifest, repos: Repos) -> list[str] | None:
    """Directories an ApplicationSet's git directory generators match (None: not checkable)."""
    found: list[str] = []
    for generator in (appset.body.get("spec") or {}).get("generators") or []:
        git = generator.get("git") if isinstance(generator, dict) else None
        if not isinstance(git, dict):
            continue
        root = repos.directory(str(git.get("repoURL")))
        if root is None:
            return None
        rules = git.get("directories") or []
        include = [r["path"] for r in rules if isinstance(r, dict) and not r.get("exclude")]
        exclude = [r["path"] for r in rules if isinstance(r, dict) and r.get("exclude")]
        for path in sorted(p for p in root.rglob("*") if p.is_dir() and ".git" not in p.parts):
            rel = path.relative_to(root).as_posix()
            if any(_glob(rel, pat) for pat in include) and not any(
                _glob(rel, pat) for pat in exclude
            ):
                found.append(rel)
    return found


def _glob(path: str, pattern: str) -> bool:
    """Go filepath.Match semantics: `*` never crosses a `/`."""
    return path.count("/") == pattern.count("/") and fnmatch.fnmatchcase(path, pattern)


def _substitute(value: Any, directory: str) -> Any:
    if isinstance(value, str):
        names = {"path": directory, "basename": directory.rsplit("/", 1)[-1]}
        return TEMPLATE.sub(lambda m: names[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _substitute(v, directory) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, directory) for v in value]
    return value


def _app(manifest: Manifest, body: dict[str, Any], name: str, wave: int) -> App:
    spec = body.get("spec") or {}
    policy = spec.get("syncPolicy") or {}
    annotations = _annotations(body)
    managed = (policy.get("managedNamespaceMetadata") or {}).get("labels") or {}
    return App(
        name=name,
        manifest=manifest,
        project=str(spec.get("project", "")),
        namespace=str((spec.get("destination") or {}).get("namespace") or ""),
        wave=wave,
        sources=_sources(spec),
        sync_options=[str(o) for o in policy.get("syncOptions") or []],
        managed_labels={str(k): str(v) for k, v in managed.items()},
        provides=_csv(annotations.get(PROVIDES_CRDS)),
        cluster_kinds=_csv(annotations.get(CLUSTER_RESOURCES)),
        extra_namespaces=_csv(annotations.get(EXTRA_NAMESPACES)),
    )


class Graph:
    def __init__(self, infra_dir: Path, deploy_dir: Path | None, manifests: list[Manifest]):
        self.manifests = manifests
        self.repos = Repos(_infra_url(manifests), infra_dir, deploy_dir)
        self.findings: list[Finding] = []
        self.apps: list[App] = []
        self.appsets: list[tuple[Manifest, list[str] | None]] = []
        self.generated: dict[str, App] = {}  # mg-deploy directory -> its ApplicationSet's App
        for manifest in manifests:
            if manifest.group != "argoproj.io":
                continue
            if manifest.kind == "Application":
                self.apps.append(_app(manifest, manifest.body, manifest.name, _wave(manifest.body)))
            elif manifest.kind == "ApplicationSet":
                self._expand(manifest)
        self.root_apps = [a for a in self.apps if _relative(a.manifest).startswith("bootstrap/")]
        self._assign_synced()

    def _expand(self, appset: Manifest) -> None:
        template = (appset.body.get("spec") or {}).get("template") or {}
        dirs = _generator_dirs(appset, self.repos)
        self.appsets.append((appset, dirs))
        for directory in dirs or []:
            body = _substitute(template, directory)
            name = str((body.get("metadata") or {}).get("name", directory))
            app = _app(appset, body, name, _wave(appset.body))
            self.apps.append(app)
            self.generated[directory.strip("/")] = app

    def _assign_synced(self) -> None:
        """Which Application syncs each file of mg-infrastructure (directory sources)."""
        for app in self.apps:
            for source in app.sources:
                if "path" not in source or source.get("repoURL") != self.repos.infra_url:
                    continue
                path = str(source["path"]).strip("/")
                prefix = "" if path in ("", ".") else path + "/"
                include = (source.get("directory") or {}).get("include")
                patterns = _expand_braces(str(include)) if include else None
                for manifest in self.manifests:
                    rel = _relative(manifest)
                    if not rel.startswith(prefix):
                        continue
                    inner = rel[len(prefix) :]
                    if patterns is None or any(fnmatch.fnmatchcase(inner, p) for p in patterns):
                        app.synced.append(manifest)

    def effective_wave(self, manifest: Manifest) -> tuple[App | None, float]:
        """The wave an object is applied at: its Application's, or (app of apps) its own."""
        for app in self.apps:
            if manifest in app.synced:
                if app in self.root_apps:
                    return app, _wave(manifest.body)
                return app, app.wave
        return None, float("inf")

    # -- checks ------------------------------------------------------------------------------

    def crd_order(self) -> None:
        providers: dict[str, list[App]] = {}
        for app in self.apps:
            for kind in app.provides:
                providers.setdefault(kind, []).append(app)
        for manifest in self.manifests:
            if not _is_custom(manifest) or manifest.group in BOOTSTRAP_GROUPS:
                continue
            key = _manifest_key(manifest)
            owner, wave = self.effective_wave(manifest)
            candidates = providers.get(key, [])
            if not candidates:
                self.findings.append(
                    manifest.finding(
                        "graph.crd-order",
                        "kind",
                        f"no Application installs the CRD of {key} "
                        f"(no `{PROVIDES_CRDS}` lists it); the sync would fail",
                    )
                )
            elif owner is not None and not any(p.wave < wave for p in candidates):
                names = ", ".join(f"{p.name} (wave {p.wave})" for p in candidates)
                self.findings.append(
                    manifest.finding(
                        "graph.crd-order",
                        "kind",
                        f"{key} is synced by {owner.name} at wave {wave:g}, not after its CRD "
                        f"provider {names}; move it to a later wave",
                    )
                )

    def deploy_crd_order(self, units: Sequence[tuple[str, Sequence[Manifest]]]) -> None:
        """Custom resources rendered from mg-deploy (ServiceMonitors, ExternalSecrets, CNPG
        Clusters…) need their CRD provider in a wave before the ApplicationSet that syncs them."""
        providers: dict[str, list[App]] = {}
        for app in self.apps:
            for kind in app.provides:
                providers.setdefault(kind, []).append(app)
        for directory, manifests in units:
            owner = self.generated.get(directory)
            for manifest in manifests:
                if not _is_custom(manifest):
                    continue
                key = _manifest_key(manifest)
                candidates = providers.get(key, [])
                if not candidates:
                    self.findings.append(
                        manifest.finding(
                            "graph.crd-order",
                            "kind",
                            f"no Application installs the CRD of {key}, which "
                            f"mg-deploy/{directory} uses; the sync would fail",
                        )
                    )
                elif owner is not None and not any(p.wave < owner.wave for p in candidates):
                    names = ", ".join(f"{p.name} (wave {p.wave})" for p in candidates)
                    self.findings.append(
                        manifest.finding(
                            "graph.crd-order",
                            "kind",
                            f"{key} is synced by {owner.name} at wave {owner.wave:g}, not after "
                            f"its CRD provider {names}; move the ApplicationSet to a later wave",
                        )
                    )

    def source_paths(self) -> None:
        for appset, dirs in self.appsets:
            if dirs == []:
                self.findings.append(
                    appset.finding(
                        "graph.source-path",
                        "spec.generators",
                        "the git directory generator matches no directory in the generated "
                        "repository",
                    )
                )
        for app in self.apps:
            refs = {s["ref"]: s for s in app.sources if "ref" in s}
            for index, source in enumerate(app.sources):
                where = f"spec.sources[{index}]" if len(app.sources) > 1 else "spec.source"
                for problem in self._source_problems(source, refs):
                    self.findings.append(
                        app.manifest.finding("graph.source-path", where, f"{app.name}: {problem}")
                    )

    def _source_problems(
        self, source: dict[str, Any], refs: dict[str, dict[str, Any]]
    ) -> Iterator[str]:
        url = str(source.get("repoURL", ""))
        if "path" in source and "chart" not in source:
            root = self.repos.directory(url)
            if root is not None:
                path = str(source["path"]).strip("/")
                target = root / path if path not in ("", ".") else root
                if not target.is_dir():
                    yield f"path {source['path']!r} does not exist in {root.name}"
                else:
                    for value_file in (source.get("helm") or {}).get("valueFiles") or []:
                        if (
                            not str(value_file).startswith("$")
                            and not (target / value_file).is_file()
                        ):
                            yield f"values file {value_file!r} does not exist in {path}"
        for value_file in (source.get("helm") or {}).get("valueFiles") or []:
            text = str(value_file)
            if not text.startswith("$"):
                continue
            ref, _, rel = text[1:].partition("/")
            ref_source = refs.get(ref)
            if ref_source is None:
                yield f"values file {text!r} names no source with ref {ref!r}"
                continue
            root = self.repos.directory(str(ref_source.get("repoURL")))
            if root is not None and not (root / rel).is_file():
                yield f"values file {rel!r} does not exist in {root.name}"

    def namespace_pss(self) -> None:
        labelled = {
            m.name
            for m in self.manifests
            if m.kind == "Namespace" and m.group == "" and self._has_pss(m.body)
        }
        for app in self.apps:
            managed = (
                "CreateNamespace=true" in app.sync_options and PSS_ENFORCE in app.managed_labels
            )
            for namespace in sorted(self._namespaces(app)):
                if namespace in labelled or (managed and namespace == app.namespace):
                    continue
                self.findings.append(
                    app.manifest.finding(
                        "graph.namespace-pss",
                        "spec.destination.namespace",
                        f"{app.name} deploys into namespace {namespace!r}, which gets no Pod "
                        "Security labels: add a Namespace with pod-security.kubernetes.io/* "
                        "labels under security/, or managedNamespaceMetadata with "
                        "CreateNamespace=true",
                    )
                )

    @staticmethod
    def _has_pss(body: dict[str, Any]) -> bool:
        labels = (body.get("metadata") or {}).get("labels") or {}
        return PSS_ENFORCE in labels

    @staticmethod
    def _namespaces(app: App) -> set[str]:
        names = {app.namespace} if app.namespace else set()
        names |= app.extra_namespaces
        for manifest in app.synced:
            if manifest.namespace:
                names.add(manifest.namespace)
        return names

    def _needed_cluster_kinds(self, app: App) -> set[str]:
        kinds = set(app.cluster_kinds)
        kinds |= {_manifest_key(m) for m in app.synced if _is_cluster_scoped(m)}
        if "CreateNamespace=true" in app.sync_options:
            kinds.add("/Namespace")
        return kinds

    def project_scope(self) -> None:
        for project in self.manifests:
            if project.kind != "AppProject" or project.group != "argoproj.io":
                continue
            if _relative(project).startswith("bootstrap/"):
                continue  # the bootstrap copy of projects/platform.yaml
            self._check_project(project)
        known = {m.name for m in self.manifests if m.kind == "AppProject"}
        for app in self.apps:
            if app.project not in known:
                self.findings.append(
                    app.manifest.finding(
                        "graph.project-scope",
                        "spec.project",
                        f"{app.name}: AppProject {app.project!r} is not in the repository",
                    )
                )

    def _check_project(self, project: Manifest) -> None:
        spec = project.body.get("spec") or {}
        apps = [a for a in self.apps if a.project == project.name]
        check = "graph.project-scope"

        def report(path: str, message: str) -> None:
            self.findings.append(project.finding(check, path, message))

        repos = [str(r) for r in spec.get("sourceRepos") or []]
        used_repos = {str(s.get("repoURL")) for a in apps for s in a.sources}
        destinations = spec.get("destinations") or []
        allowed_ns = {str(d.get("namespace")) for d in destinations if isinstance(d, dict)}
        used_ns = {ns for a in apps for ns in self._namespaces(a)}
        whitelist = spec.get("clusterResourceWhitelist") or []
        allowed_kinds = {
            kind_key(str(e.get("group", "")), str(e.get("kind", "")))
            for e in whitelist
            if isinstance(e, dict)
        }
        used_kinds = {k for a in apps for k in self._needed_cluster_kinds(a)}
        used_kinds = {k if "/" in k else f"/{k}" for k in used_kinds}

        for label, values in (
            ("sourceRepos", repos),
            ("destinations", [_destination_text(d) for d in destinations if isinstance(d, dict)]),
            ("clusterResourceWhitelist", sorted(allowed_kinds)),
        ):
            if any("*" in v for v in values):
                report(f"spec.{label}", f"{label} contains a wildcard; list exact entries")
        for repo in sorted(used_repos - set(repos)):
            report("spec.sourceRepos", f"does not allow {repo!r}, used by its Applications")
        for repo in sorted(set(repos) - used_repos):
            report("spec.sourceRepos", f"allows {repo!r}, which no Application uses")
        for ns in sorted(used_ns - allowed_ns):
            report(
                "spec.destinations", f"does not allow namespace {ns!r}, used by its Applications"
            )
        for ns in sorted(allowed_ns - used_ns):
            report("spec.destinations", f"allows namespace {ns!r}, which no Application uses")
        for kind in sorted(used_kinds - allowed_kinds):
            report(
                "spec.clusterResourceWhitelist",
                f"does not allow cluster-scoped {kind}, created by its Applications",
            )
        for kind in sorted(allowed_kinds - used_kinds):
            report(
                "spec.clusterResourceWhitelist",
                f"allows cluster-scoped {kind}, which no Application creates",
            )

    def chart_pins(self) -> None:
        for app in self.apps:
            for index, source in enumerate(app.sources):
                if "chart" not in source:
                    continue
                version = str(source.get("targetRevision", ""))
                if not EXACT_VERSION.match(version):
                    where = f"spec.sources[{index}].targetRevision"
                    self.findings.append(
                        app.manifest.finding(
                            "graph.chart-pin",
                            where,
                            f"chart {source.get('chart')!r} version {version!r} is not one exact "
                            "version (no ranges, wildcards, latest or HEAD)",
                        )
                    )


def check_infrastructure(
    infra_dir: Path,
    deploy_dir: Path | None,
    manifests: list[Manifest],
    deploy_units: Sequence[tuple[str, Sequence[Manifest]]] = (),
) -> list[Finding]:
    """Graph checks over mg-infrastructure; `deploy_units` are the rendered objects of each
    mg-deploy directory (`services/<name>`, `databases/<name>`) for the CRD-order check."""
    graph = Graph(infra_dir, deploy_dir, manifests)
    if graph.repos.infra_url is None:
        return [
            Finding(
                check="graph.source-path",
                file=f"{infra_dir.name}/{ROOT_FILE}",
                message="no root Application (a directory source over this repository) in "
                f"{ROOT_FILE}: nothing would sync mg-infrastructure; re-run `mgctl render`",
            )
        ]
    graph.crd_order()
    graph.deploy_crd_order(deploy_units)
    graph.source_paths()
    graph.namespace_pss()
    graph.project_scope()
    graph.chart_pins()
    return graph.findings
