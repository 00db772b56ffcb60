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

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.argocd import appset as appsets
from mgctl.argocd import capabilities
from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.crds import summary_of
from mgctl.argocd.models import (
    Application,
    AppProject,
    application_from,
    appset_from,
    is_argo,
    project_from,
)
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp, RepoServer
from mgctl.argocd.repos import LocalRepos, chart_ref, resolve_chart
from mgctl.charts.archive import ChartArchiveError, open_archive
from mgctl.charts.cache import ChartCache, ChartCacheError
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

    def absorb(self, rendered: RenderedApp) -> None:
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
        if self.on_app is not None:
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
            for app in plain:
                self.absorb(self.server.render(app))
            self._render_helm(helm_apps)

    def _render_helm(self, apps: list[Application]) -> None:
        """Layer by layer: an app that tests for a CRD group waits for the apps providing it."""
        scans = {app.name: _capabilities(app, self.server.repos) for app in apps}
        remaining = list(apps)
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            while remaining:
                ready = [a for a in remaining if not _waits_for(a, remaining, scans)]
                if not ready:  # a cycle: render them all now, and again once the CRDs are known
                    first = list(pool.map(self.server.render, remaining))
                    for rendered in first:
                        self._learn_crds(rendered)
                    ready = remaining
                # every render of a layer sees the same cluster: absorb after all are done
                for rendered in list(pool.map(self.server.render, ready)):
                    self.absorb(rendered)
                remaining = [a for a in remaining if a not in ready]
                again = [a for a in ready if scans[a.name].tests_for & scans[a.name].provides]
                if again:  # self-tests: the app's own CRDs are installed on the steady cluster
                    self._rerender(again, pool)

    def _rerender(self, apps: list[Application], pool: ThreadPoolExecutor) -> None:
        fresh = {r.app.name: r for r in pool.map(self.server.render, apps)}
        self.view.apps = [fresh.get(a.app.name, a) for a in self.view.apps]

    def _learn_crds(self, rendered: RenderedApp) -> None:
        for obj in rendered.objects:
            if obj.kind == "CustomResourceDefinition":
                self.view.cluster.add_crd(summary_of(obj))


def _has_helm(app: Application, repos: LocalRepos) -> bool:
    for source in app.spec.all_sources():
        if source.chart:
            return True
        if source.path is not None and repos.has_git(source.repo_url):
            directory = repos.git_dir(source.repo_url) / source.path.strip("/")
            if (directory / "Chart.yaml").is_file():
                return True
    return False


def _capabilities(app: Application, repos: LocalRepos) -> capabilities.ChartCapabilities:
    provides: set[str] = set()
    tests_for: set[str] = set()
    for source in app.spec.all_sources():
        scan = None
        try:
            if source.chart:
                ref = chart_ref(source.repo_url, source.chart, source.target_revision)
                resolved = resolve_chart(ref, repos.charts)
                if resolved is not None:
                    scan = capabilities.of_archive(open_archive(resolved.path))
            elif source.path is not None and repos.has_git(source.repo_url):
                directory = repos.git_dir(source.repo_url) / source.path.strip("/")
                if (directory / "Chart.yaml").is_file():
                    scan = capabilities.of_directory(directory)
        except (ChartCacheError, ChartArchiveError, OSError):
            scan = None  # the render reports it
        if scan is not None:
            provides |= scan.provides
            tests_for |= scan.tests_for
    return capabilities.ChartCapabilities(frozenset(provides), frozenset(tests_for))


def _waits_for(
    app: Application,
    remaining: list[Application],
    scans: dict[str, capabilities.ChartCapabilities],
) -> bool:
    wanted = scans[app.name].tests_for
    return any(other is not app and wanted & scans[other.name].provides for other in remaining)


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
    server = RepoServer(repos, view.cluster, cache)
    builder = _Builder(view, server, jobs, on_app)
    for root in roots:
        builder.add(root, None)
    builder.run()
    return view
