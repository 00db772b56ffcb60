"""Everything Argo CD would apply, from `bootstrap/root.yaml` down, rendered offline.

1. `bootstrap/root.yaml` (applied by `mgctl bootstrap`): the root Application(s) and the
   AppProjects bootstrap creates.
2. Each Application is rendered by the repo-server emulation; every Application,
   ApplicationSet and AppProject in its output joins the view (app of apps).
3. Each ApplicationSet is expanded into its Applications (git directories over the local
   mg-deploy, Go templates with their options), which are rendered in turn.
4. Helm sources are rendered in an order that gives each chart the API versions the steady
   cluster serves (see `capabilities`); the cluster's API is its Kubernetes version plus
   every CRD the rendered platform installs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.argocd import appset as appsets
from mgctl.argocd import capabilities
from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.crds import CrdSummary, summary_of
from mgctl.argocd.models import (
    Application,
    AppProject,
    application_from,
    appset_from,
    is_argo,
    project_from,
)
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp, RepoServer, tree_digest
from mgctl.argocd.repos import LocalRepos, chart_ref, resolve_chart
from mgctl.charts.archive import ChartArchiveError, open_archive
from mgctl.charts.cache import ChartCache, ChartCacheError
from mgctl.charts.digest import sha256_file
from mgctl.manifests import Manifest, load_manifest_file

ROOT_FILE = "bootstrap/root.yaml"


class ViewError(ValueError):
    """The repositories cannot be read as Argo CD would read them (no root Application)."""


@dataclass
class ViewProblem:
    where: str  # the Application, ApplicationSet or file
    message: str
    manifest: Manifest | None = None


@dataclass
class ArgoView:
    infra_dir: Path
    deploy_dir: Path | None
    root_manifests: list[Manifest]
    cluster: ClusterInfo
    apps: list[RenderedApp] = field(default_factory=list)
    expansions: list[appsets.Expansion] = field(default_factory=list)
    projects: dict[str, AppProject] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)  # app -> the app that created it
    problems: list[ViewProblem] = field(default_factory=list)
    helm_runs: int = 0

    def app(self, name: str) -> RenderedApp | None:
        return next((a for a in self.apps if a.app.name == name), None)

    @property
    def root_apps(self) -> list[RenderedApp]:
        return [a for a in self.apps if a.app.name not in self.parent]


@dataclass
class _Builder:
    view: ArgoView
    server: RepoServer
    jobs: int
    on_app: Callable[[RenderedApp], None] | None
    pending: list[Application] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, app: Application, parent: str | None) -> None:
        if app.name in self.seen:
            self.view.problems.append(
                ViewProblem(app.name, f"two Applications are named {app.name!r}", app.origin)
            )
            return
        self.seen.add(app.name)
        if parent is not None:
            self.view.parent[app.name] = parent
        self.pending.append(app)

    def absorb(self, rendered: RenderedApp, notify: bool = True) -> None:
        """Argo CD objects in an Application's output become part of the view."""
        self.view.apps.append(rendered)
        for obj in rendered.objects:
            if is_argo(obj, "AppProject"):
                # a synced AppProject replaces the copy bootstrap applied (same name)
                project = project_from(obj)
                self.view.projects[project.name] = project
            elif is_argo(obj, "Application"):
                self.add(application_from(obj), rendered.app.name)
            elif is_argo(obj, "ApplicationSet"):
                self._expand(obj, rendered.app.name)
            elif obj.kind == "CustomResourceDefinition":
                self.view.cluster.add_crd(summary_of(obj))
        if notify and self.on_app is not None:
            self.on_app(rendered)

    def _expand(self, obj: Manifest, parent: str) -> None:
        appset = appset_from(obj)
        self._register_repos(
            str(g.get("git", {}).get("repoURL", ""))
            for g in appset.spec.generators
            if isinstance(g.get("git"), dict)
        )
        expansion = appsets.expand(appset, self.server.repos)
        self.view.expansions.append(expansion)
        for problem in expansion.problems:
            self.view.problems.append(ViewProblem(f"ApplicationSet {appset.name}", problem, obj))
        for app in expansion.applications:
            self.add(app, parent)

    def _register_repos(self, urls: Iterable[str]) -> None:
        """The first git repository that is not mg-infrastructure is the local mg-deploy."""
        for url in urls:
            deploy = self.view.deploy_dir
            if (
                url
                and deploy is not None
                and not self.server.repos.has_git(url)
                and deploy not in self.server.repos.git.values()
            ):
                self.server.repos.add_git(url, deploy)

    def run(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            for app in batch:
                self._register_repos(
                    s.repo_url for s in app.spec.all_sources() if not s.chart and s.repo_url
                )
            plain = [a for a in batch if not _has_helm(a, self.server.repos)]
            helm_apps = [a for a in batch if a not in plain]
            # helm renders start first; plain directories are read once the first helm runs
            # are under way (not before: their Python would slow the scheduling down), and
            # charts see only the CRDs of the charts they depend on, never a directory's
            under_way = threading.Event()
            with ThreadPoolExecutor(max_workers=1) as background:
                charts = background.submit(self._render_helm, helm_apps, under_way)
                under_way.wait()
                for app in plain:
                    self.absorb(self.server.render(app))
                rendered, notified = charts.result()
            for app in helm_apps:
                self.absorb(rendered[app.name], notify=app.name not in notified)

    def _render_helm(
        self, apps: list[Application], under_way: threading.Event
    ) -> tuple[dict[str, RenderedApp], set[str]]:
        try:
            return self._schedule_helm(apps, under_way)
        finally:
            under_way.set()

    def _schedule_helm(
        self, apps: list[Application], under_way: threading.Event
    ) -> tuple[dict[str, RenderedApp], set[str]]:
        """Each app starts as soon as the apps installing the CRD groups it tests for are
        rendered, and sees exactly the built-in API plus those CRDs: its output is what the
        steady cluster gives it, deterministic whatever order the renders finish in (the
        render cache keys stay stable). Apps in a dependency cycle are rendered once to learn
        their CRDs and again with them; so is an app that tests for a group it installs."""
        scans = {app.name: _capabilities(app, self.server) for app in apps}
        deps = {
            app.name: [
                other.name
                for other in apps
                if other is not app and scans[app.name].tests_for & scans[other.name].provides
            ]
            for app in apps
        }
        # start what others wait for first, then the biggest charts (the long poles)
        dependents = {a.name: sum(a.name in d for d in deps.values()) for a in apps}
        order = sorted(apps, key=lambda a: (-dependents[a.name], -scans[a.name].size))
        results: dict[str, RenderedApp] = {}
        crds: dict[str, list[CrdSummary]] = {}
        again: set[str] = {a.name for a in apps if scans[a.name].tests_for & scans[a.name].provides}
        # `jobs` helm processes at a time (helm_slots), one more render parsing meanwhile
        in_flight = self.jobs + 1
        by_name = {app.name: app for app in apps}
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            running: dict[Future[RenderedApp], str] = {}
            clusters: dict[str, ClusterInfo] = {}  # the API each app's render sees
            helm_first: dict[str, bool] = {}  # whether its render runs helm
            while len(results) < len(apps):
                # few renders in flight, so an app that just became ready goes next; those
                # that run helm before cache hits (an edit re-renders one chart: it starts
                # at once instead of after the hits are read)
                ready = [
                    app.name
                    for app in order
                    if app.name not in results
                    and app.name not in running.values()
                    and all(dep in results for dep in deps[app.name])
                ]
                for name in ready:
                    if name not in clusters:  # its dependencies' CRDs are all known now
                        clusters[name] = self._cluster_for(deps[name], crds)
                        helm_first[name] = self.server.would_run_helm(by_name[name], clusters[name])
                for name in sorted(ready, key=lambda n: not helm_first[n]):  # stable: by order
                    if len(running) >= in_flight:
                        break
                    future = pool.submit(self.server.render, by_name[name], clusters[name])
                    running[future] = name
                under_way.set()
                if not running:  # a cycle: first pass with what is known, second below
                    cycle = [a for a in apps if a.name not in results]
                    for app, rendered in zip(
                        cycle, pool.map(self.server.render, cycle), strict=True
                    ):
                        results[app.name] = rendered
                        crds[app.name] = _crds(rendered)
                    again |= {a.name for a in cycle}
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    results[name] = future.result()
                    crds[name] = _crds(results[name])
                    if self.on_app is not None:  # while the others render
                        self.on_app(results[name])
            second = [a for a in apps if a.name in again]
            with_own = [self._cluster_for([*deps[a.name], a.name], crds) for a in second]
            for app, rendered in zip(
                second, pool.map(self.server.render, second, with_own), strict=True
            ):
                results[app.name] = rendered
        notified = {name for name in results if name not in again and self.on_app is not None}
        return results, notified

    def _cluster_for(self, names: list[str], crds: dict[str, list[CrdSummary]]) -> ClusterInfo:
        return self.view.cluster.with_crds([crd for name in names for crd in crds.get(name, [])])


def _crds(rendered: RenderedApp) -> list[CrdSummary]:
    return [summary_of(o) for o in rendered.objects if o.kind == "CustomResourceDefinition"]


def _has_helm(app: Application, repos: LocalRepos) -> bool:
    for source in app.spec.all_sources():
        if source.chart:
            return True
        if source.path is not None and repos.has_git(source.repo_url):
            directory = repos.git_dir(source.repo_url) / source.path.strip("/")
            if (directory / "Chart.yaml").is_file():
                return True
    return False


def _capabilities(app: Application, server: RepoServer) -> capabilities.ChartCapabilities:
    provides: set[str] = set()
    tests_for: set[str] = set()
    size = 0
    for source in app.spec.all_sources():
        scan = _scan(source.repo_url, source.chart, source.target_revision, source.path, server)
        if scan is not None:
            provides |= scan.provides
            tests_for |= scan.tests_for
            size += scan.size
    return capabilities.ChartCapabilities(frozenset(provides), frozenset(tests_for), size)


def _scan(
    repo_url: str, chart: str | None, version: str, path: str | None, server: RepoServer
) -> capabilities.ChartCapabilities | None:
    """The capabilities of one helm source (cached by chart digest); None when it is none."""
    repos = server.repos
    try:
        archive: Path | None = None
        directory: Path | None = None
        if chart:
            resolved = resolve_chart(chart_ref(repo_url, chart, version), repos.charts)
            if resolved is None:
                return None
            archive = resolved.path
            digest = resolved.pin.content if resolved.verified else sha256_file(archive)
            key = f"capabilities|{digest}"
        elif path is not None and repos.has_git(repo_url):
            directory = repos.git_dir(repo_url) / path.strip("/")
            if not (directory / "Chart.yaml").is_file():
                return None
            key = f"capabilities|{tree_digest(directory)}"
        else:
            return None
        # a pinned archive's facts never change: kept with other chart-derived data, so a cold
        # render cache does not pay for them again; a local chart's go with its renders
        cache = server.facts if archive is not None else server.cache
        cached = cache.get(key) if cache is not None else None
        if isinstance(cached, capabilities.ChartCapabilities):
            return cached
        if archive is not None:
            scan = capabilities.of_archive(open_archive(archive))
        else:
            assert directory is not None
            scan = capabilities.of_directory(directory)
        if cache is not None:
            cache.put(key, scan)
        return scan
    except (ChartCacheError, ChartArchiveError, OSError):
        return None  # the render reports it


def load_view(
    infra_dir: Path,
    deploy_dir: Path | None,
    *,
    charts: ChartCache,
    kubernetes_version: str,
    jobs: int = 2,
    cache: RenderCache | None = None,
    on_app: Callable[[RenderedApp], None] | None = None,
) -> ArgoView:
    root_file = infra_dir / ROOT_FILE
    if not root_file.is_file():
        raise ViewError(
            f"{root_file} does not exist: nothing would sync {infra_dir.name}. "
            "Fix: re-run `mgctl render`"
        )
    manifests, problems = load_manifest_file(root_file, f"{infra_dir.name}/{ROOT_FILE}")
    if problems:
        raise ViewError("; ".join(p.format() for p in problems))
    roots = [application_from(m) for m in manifests if is_argo(m, "Application")]
    if not roots:
        raise ViewError(f"{root_file} holds no Application. Fix: re-run `mgctl render`")
    view = ArgoView(infra_dir, deploy_dir, manifests, ClusterInfo.for_version(kubernetes_version))
    for manifest in manifests:
        if is_argo(manifest, "AppProject"):
            project = project_from(manifest)
            view.projects[project.name] = project
    repos = LocalRepos(charts=charts)
    for root in roots:
        for source in root.spec.all_sources():
            if not source.chart and source.repo_url:
                repos.add_git(source.repo_url, infra_dir)
    server = RepoServer(
        repos,
        view.cluster,
        cache,
        facts=RenderCache.for_chart_facts(),
        helm_slots=threading.Semaphore(max(1, jobs)),
    )
    builder = _Builder(view, server, jobs, on_app)
    for root in roots:
        builder.add(root, None)
    builder.run()
    return view
