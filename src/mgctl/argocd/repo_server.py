"""Render an Application's sources as Argo CD's repo-server does, offline.

Per source (reposerver/repository/repository.go):
- a `ref`-only source renders nothing; it lends its files to `$ref/...` value files;
- a Helm chart source (`chart:`) comes from the chart cache, pinned and verified;
- a path source first takes the parameter overrides committed beside it
  (`.argocd-source.yaml`, `.argocd-source-<app>.yaml`: Image Updater's git write-back; see
  `source_overrides`);
- a path source is a Helm chart when it holds a Chart.yaml (`discovery.AppType`), Kustomize
  when it holds a kustomization (not rendered offline: a problem), else a directory of plain
  manifests (`findManifests`: *.yaml/*.yml/*.json, `recurse`, gobwas `include`/`exclude` on
  the path relative to the source path, files with `+argocd:skip-file-rendering` skipped).
Helm runs as `helmTemplate` builds it (util/helm/cmd.go `template`): release name
`helm.releaseName` or the Application name, namespace `helm.namespace` or the destination,
`--kube-version` and `--api-versions` of the cluster, value files (`$ref/path` resolved
against the ref source's repository), `values`/`valuesObject`, `--set`/`--set-string`
parameters, `--include-crds` unless `skipCrds`, `--skip-tests` when asked.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.globs import gobwas_match
from mgctl.argocd.helm_output import OutputProblem, parse_chunk, split_documents, split_output
from mgctl.argocd.hooks import never_applied
from mgctl.argocd.models import Application, Source
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repos import LocalRepos, RepositoryNotLocal, chart_ref, resolve_chart, same_chart
from mgctl.argocd.source_overrides import OverrideProblem, apply_overrides
from mgctl.catalog import ChartPin
from mgctl.charts.cache import ChartCacheError
from mgctl.manifests import Manifest, load_yaml
from mgctl.tools import helm

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".jsonnet")
SKIP_MARKER = b"+argocd:skip-file-rendering"
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class HelmNeeded(Exception):
    """Raised while probing (RepoServer.would_run_helm) at the first render not cached."""


class SourceProblem(ValueError):
    """The repo-server would fail this source (Argo CD shows ComparisonError)."""


@dataclass(frozen=True)
class ValuesFile:
    path: Path
    display: str  # e.g. mg-infrastructure/base/traefik/values.yaml


@dataclass
class RenderedSource:
    index: int
    kind: str  # "chart" (upstream), "local-chart", "directory", "ref"
    label: str  # what a reader recognizes: the chart archive, or the repository path
    objects: list[Manifest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pin: ChartPin | None = None
    chart_path: Path | None = None  # the archive or chart directory helm rendered
    values_files: list[ValuesFile] = field(default_factory=list)
    inline_values: dict[str, object] = field(default_factory=dict)
    from_cache: bool = False
    never_applied: int = 0  # helm test hooks and the like (see hooks)
    overrides: list[str] = field(default_factory=list)  # .argocd-source*.yaml files applied
    warnings: list[str] = field(default_factory=list)  # would sync, but worth a word
    key: str = ""  # the render cache key: everything that decides `objects`


@dataclass
class RenderedApp:
    app: Application
    sources: list[RenderedSource]

    @property
    def objects(self) -> list[Manifest]:
        return [obj for source in self.sources for obj in source.objects]

    @property
    def problems(self) -> list[tuple[int, str]]:
        return [(s.index, p) for s in self.sources for p in s.problems]

    @property
    def warnings(self) -> list[tuple[int, str]]:
        return [(s.index, w) for s in self.sources for w in s.warnings]


@dataclass
class RepoServer:
    repos: LocalRepos
    cluster: ClusterInfo
    cache: RenderCache | None = None
    on_helm: Callable[[str], None] | None = None  # called with each helm run's label
    facts: RenderCache | None = None  # what pinned chart archives hold (never changes)
    # at most this many helm processes at once; renders (threads) may outnumber them, so one
    # render parses its output while the next one's helm already runs
    helm_slots: threading.Semaphore | None = None
    probing: bool = False  # see would_run_helm

    def would_run_helm(self, app: Application, cluster: ClusterInfo | None = None) -> bool:
        """Whether rendering `app` (seeing `cluster`) runs helm: a helm source whose render is
        not in the cache. Costs the cache keys only (value file digests, no unpickling)."""
        try:
            replace(self, cluster=cluster or self.cluster, probing=True).render(app)
        except HelmNeeded:
            return True
        return False

    def render(self, app: Application, cluster: ClusterInfo | None = None) -> RenderedApp:
        """`cluster`: the API this render sees (default: the server's)."""
        if cluster is not None and cluster is not self.cluster:
            return replace(self, cluster=cluster).render(app)
        sources = app.spec.all_sources()
        refs = {s.ref: s for s in sources if s.ref}
        rendered = []
        for index, source in enumerate(sources):
            try:
                rendered.append(self._render_source(app, index, source, refs))
            except (SourceProblem, OutputProblem, RepositoryNotLocal, ChartCacheError) as exc:
                label = source.chart or source.path or source.repo_url
                rendered.append(RenderedSource(index, "error", label, problems=[str(exc)]))
        return RenderedApp(app, rendered)

    # -- source types ------------------------------------------------------------------------
    def _render_source(
        self, app: Application, index: int, source: Source, refs: dict[str, Source]
    ) -> RenderedSource:
        if source.is_ref_only:
            return RenderedSource(index, "ref", f"{source.repo_url} (ref {source.ref})")
        if source.chart:
            return self._chart_source(app, index, source, refs)
        if source.path is None:
            raise SourceProblem(f"source {index} has neither chart nor path")
        root = self.repos.git_dir(source.repo_url)
        directory = _inside(root, source.path)
        if not directory.is_dir():
            raise SourceProblem(f"path {source.path!r} does not exist in {root.name}")
        display = f"{root.name}/{source.path.strip('/')}".rstrip("/.")
        try:
            overridden = apply_overrides(source, directory, app.name)
        except OverrideProblem as exc:
            raise SourceProblem(f"error while parsing source parameters: {exc}") from exc
        source = overridden.source
        if (directory / "Chart.yaml").is_file():
            rendered = self._local_chart(app, index, source, refs, directory, display)
            rendered.overrides = [f"{display}/{f.name}" for f in overridden.files]
            return rendered
        if any((directory / name).is_file() for name in KUSTOMIZATIONS):
            raise SourceProblem(
                f"{display} is a Kustomize application; mgctl renders Helm and plain directories"
            )
        return self._directory(index, source, root, directory, display)

    def _chart_source(
        self, app: Application, index: int, source: Source, refs: dict[str, Source]
    ) -> RenderedSource:
        assert source.chart is not None
        ref = chart_ref(source.repo_url, source.chart, source.target_revision)
        resolved = resolve_chart(ref, self.repos.charts)
        if resolved is None:
            raise SourceProblem(
                f"chart {ref.chart} {ref.version} from {ref.repo_url} is not pinned in mgctl's "
                "catalog (data/catalog.yaml), so nothing verifies the archive Argo CD would pull"
            )
        pin, archive = resolved.pin, resolved.path
        label = pin.ref.archive_name
        result = RenderedSource(index, "chart", label, pin=pin, chart_path=archive)
        if not resolved.verified:
            pinned_version = same_chart(ref)
            result.warnings.append(
                f"chart {ref.chart} {ref.version} is not the version mgctl's catalog pins "
                f"({pinned_version.version if pinned_version else '?'}; platform.yaml "
                "components.<name>.version): rendered from the chart cache UNVERIFIED, no "
                "digest vouches that it is the archive Argo CD will pull; review it, and pin "
                "it in data/catalog.yaml once it is the one you run"
            )
        digest = pin.content if resolved.verified else file_digest(archive)
        self._helm(app, source, refs, result, archive, None, digest=digest)
        return result

    def _local_chart(
        self,
        app: Application,
        index: int,
        source: Source,
        refs: dict[str, Source],
        directory: Path,
        display: str,
    ) -> RenderedSource:
        result = RenderedSource(index, "local-chart", display, chart_path=directory)
        self._helm(app, source, refs, result, directory, directory, digest=tree_digest(directory))
        return result

    def _helm(
        self,
        app: Application,
        source: Source,
        refs: dict[str, Source],
        result: RenderedSource,
        chart: Path,
        app_path: Path | None,
        digest: str,
    ) -> None:
        options = source.helm
        files = self._value_files(source, refs, app_path)
        result.values_files = files
        paths = [f.path for f in files]
        inline_text: str | None = None
        if options is not None and (options.values or options.values_object):
            inline = options.values_object or load_yaml(options.values) or {}
            result.inline_values = dict(inline)
            inline_text = yaml.safe_dump(inline)  # the last values file
        request = helm.TemplateRequest(
            chart=chart,
            release=(options.release_name if options else "") or app.name,
            namespace=(options.namespace if options else "") or app.namespace,
            values_files=tuple(paths),
            set_values=tuple(
                (p.name, p.value)
                for p in (options.parameters if options else [])
                if not p.force_string
            ),
            set_strings=tuple(
                (p.name, p.value) for p in (options.parameters if options else []) if p.force_string
            ),
            kube_version=(options.kube_version if options else "") or self.cluster.kube_version,
            api_versions=tuple(
                options.api_versions
                if options and options.api_versions
                else self.cluster.api_versions()
            ),
            include_crds=not (options.skip_crds if options else False),
            skip_tests=options.skip_tests if options else False,
            skip_schema_validation=options.skip_schema_validation if options else False,
        )
        digests = [file_digest(p) for p in paths]
        if inline_text is not None:
            digests.append(hashlib.sha256(inline_text.encode()).hexdigest())
        key = self._cache_key(request, digest, digests)
        result.key = key
        if self.probing:
            if self.cache is None or not self.cache.contains(key):
                raise HelmNeeded(result.label)
            return
        cached = self.cache.get(key) if self.cache is not None else None
        result.from_cache = cached is not None
        if cached is None:
            if self.on_helm is not None:
                self.on_helm(result.label)
            with ExitStack() as stack:
                if inline_text is not None:
                    inline_file = stack.enter_context(_temp_values(inline_text))
                    request = replace(request, values_files=(*paths, inline_file))
                try:
                    if self.helm_slots is not None:
                        with self.helm_slots:
                            output = helm.run_template(request)
                    else:
                        output = helm.run_template(request)
                except helm.HelmError as exc:
                    raise SourceProblem(f"helm template failed: {exc.detail}") from exc
            objects = split_output(output, result.label)
            applied = [o for o in objects if not never_applied(o)]
            cached = (applied, len(objects) - len(applied))
            if self.cache is not None:
                self.cache.put(key, cached)
        result.objects, result.never_applied = list(cached[0]), cached[1]

    def _cache_key(self, request: helm.TemplateRequest, digest: str, values: list[str]) -> str:
        """`values`: the digest of each values file, in order."""
        parts = {
            "chart": digest,
            "values": values,
            "release": request.release,
            "namespace": request.namespace,
            "set": request.set_values,
            "set_string": request.set_strings,
            "kube": request.kube_version,
            "api": hashlib.sha256("\n".join(request.api_versions).encode()).hexdigest(),
            "flags": [request.include_crds, request.skip_tests, request.skip_schema_validation],
            "helm": helm_identity(),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def _value_files(
        self, source: Source, refs: dict[str, Source], app_path: Path | None
    ) -> list[ValuesFile]:
        """util/helm value files as getResolvedValueFiles resolves them."""
        options = source.helm
        if options is None:
            return []
        files = []
        for entry in options.value_files:
            if entry.startswith("$"):
                name, _, rel = entry[1:].partition("/")
                ref = refs.get(name)
                if ref is None:
                    raise SourceProblem(f"value file {entry!r}: no source has `ref: {name}`")
                root = self.repos.git_dir(ref.repo_url)
                path, display = _inside(root, rel), f"{root.name}/{rel}"
            elif "://" in entry:
                raise SourceProblem(f"value file {entry!r}: remote value files are not fetched")
            elif app_path is not None:
                path = _inside(app_path, entry)
                display = f"{app_path.name}/{entry}"
            else:
                raise SourceProblem(
                    f"value file {entry!r} is relative to the chart {source.chart}: use a "
                    "`$ref/path` from a repository"
                )
            if not path.is_file():
                if options.ignore_missing_value_files:
                    continue
                raise SourceProblem(f"value file {entry!r} does not exist ({display})")
            files.append(ValuesFile(path, display))
        return files

    def _directory(
        self, index: int, source: Source, root: Path, directory: Path, display: str
    ) -> RenderedSource:
        if self.probing:
            return RenderedSource(index, "directory", display)
        options = source.directory
        recurse = options.recurse if options else False
        include = options.include if options else ""
        exclude = options.exclude if options else ""
        result = RenderedSource(index, "directory", display)
        files = []
        for path in _manifest_files(directory, recurse):
            rel = path.relative_to(directory).as_posix()
            if exclude and gobwas_match(exclude, rel):
                continue
            if include and not gobwas_match(include, rel):
                continue
            real = path.resolve()
            if not real.is_relative_to(root.resolve()):
                raise SourceProblem(f"illegal filepath in symlink at {rel!r}")
            data = real.read_bytes()
            if SKIP_MARKER not in data:
                files.append((path, rel, data))
        key = (
            "directory|"
            + display
            + "|"
            + "|".join(f"{rel}:{hashlib.sha256(data).hexdigest()}" for _, rel, data in files)
        )
        result.key = hashlib.sha256(key.encode()).hexdigest()
        cached = self.cache.get(key) if self.cache is not None else None
        result.from_cache = cached is not None
        if cached is None:
            cached = [
                obj
                for path, rel, data in files
                for obj in _file_objects(path, rel, data, f"{display}/{rel}")
            ]
            if self.cache is not None:
                self.cache.put(key, cached)
        result.objects = list(cached)
        return result


def _manifest_files(directory: Path, recurse: bool) -> Iterator[Path]:
    """filepath.Walk order (lexical), regular files with a manifest suffix."""
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.is_dir() and not entry.is_symlink():
            if recurse:
                yield from _manifest_files(entry, recurse)
        elif entry.name.endswith(MANIFEST_SUFFIXES) and entry.is_file():
            yield entry


def _file_objects(path: Path, rel: str, data: bytes, display: str) -> list[Manifest]:
    """getObjsFromYAMLOrJSON: a JSON file is one object; a YAML file that does not parse or
    holds non-objects is an error only when it looks like a manifest (apiVersion:, kind: and
    metadata: all present), else it is ignored."""
    if path.suffix == ".jsonnet":
        raise SourceProblem(f"{display}: jsonnet is not rendered offline")
    text = data.decode("utf-8-sig", errors="replace")
    looks_like = all(marker in text for marker in ("apiVersion:", "kind:", "metadata:"))
    if path.suffix == ".json":
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise SourceProblem(f"Failed to unmarshal {rel!r}: {exc}") from exc
        return parse_chunk(json.dumps(doc), display, 0) if isinstance(doc, dict) else []
    objects: list[Manifest] = []
    for index, chunk in enumerate(split_documents(text)):
        try:
            objects += parse_chunk(chunk, display, index)
        except OutputProblem as exc:
            if looks_like:
                raise SourceProblem(f"Failed to unmarshal {rel!r}: {exc}") from exc
            return []
    return objects


def _inside(root: Path, rel: str) -> Path:
    """`root/rel`, refusing paths that leave the repository (Argo CD's files.Inbound)."""
    path = (root / rel.strip("/")).resolve() if rel.strip("/") not in ("", ".") else root.resolve()
    if not path.is_relative_to(root.resolve()):
        raise SourceProblem(f"path {rel!r} leaves the repository {root.name}")
    return path


@contextmanager
def _temp_values(text: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mgctl-values-") as tmp:
        path = Path(tmp) / "values.yaml"
        path.write_text(text, encoding="utf-8")
        yield path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_TREE_DIGESTS: dict[tuple[tuple[str, int, int], ...], str] = {}
_TREE_LOCK = threading.Lock()


def _chart_files(chart_dir: Path) -> list[tuple[Path, str]]:
    """(file, name relative to its chart) of a chart and its `file://` dependencies."""
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def walk(directory: Path) -> None:
        directory = directory.resolve()
        if directory in seen:
            return
        seen.add(directory)
        for path in sorted(directory.rglob("*")):
            rel = path.relative_to(directory)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                found.append((path, str(rel)))
        for _, dependency in helm.local_dependencies(directory):
            walk(dependency)

    walk(chart_dir)
    return found


def tree_digest(chart_dir: Path) -> str:
    """Every file of a chart directory and of its `file://` dependencies (path and bytes).
    Memoized by the files' paths, sizes and mtimes (one validation asks several times)."""
    files = _chart_files(chart_dir)
    stamp = tuple((str(path), *_size_and_mtime(path)) for path, _ in files)
    with _TREE_LOCK:
        known = _TREE_DIGESTS.get(stamp)
    if known is not None:
        return known
    digest = hashlib.sha256()
    for path, rel in files:
        digest.update(f"{rel}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    with _TREE_LOCK:
        _TREE_DIGESTS[stamp] = digest.hexdigest()
    return digest.hexdigest()


def _size_and_mtime(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


@cache
def helm_identity() -> str:
    """Which helm binary renders (a different helm may render differently)."""
    binary = helm.helm_binary()
    stat = binary.stat()
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
