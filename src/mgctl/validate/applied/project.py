"""The AppProject rules, simulated object by object as Argo CD's controller applies them.

For each Application: its project must exist, allow each source repository
(`IsSourcePermitted`) and its destination (`IsDestinationPermitted`); every object it would
sync must be a permitted kind (`IsGroupKindNamePermitted`) and, when namespaced, land in a
permitted namespace (controller/sync.go `validateSyncPermissions`). Argo CD refuses the whole
sync operation for one refused object, so each is an error naming the object and the template.

Least privilege (`project-scope`): a project allows no wildcard and nothing its Applications
do not use.
"""

from __future__ import annotations

from mgctl.argocd import project as rules
from mgctl.argocd.models import AppProject
from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Manifest
from mgctl.validate.applied.objects import landing_namespace
from mgctl.validate.applied.values_origin import values_keys_holding

CHECK = "argocd-project"
SCOPE_CHECK = "project-scope"


def check(view: ArgoView) -> list[Finding]:
    findings: list[Finding] = []
    for rendered in view.apps:
        app = rendered.app
        project = view.projects.get(app.spec.project)
        if project is None:
            findings.append(
                app.finding(
                    CHECK,
                    "spec.project",
                    f"AppProject {app.spec.project!r} does not exist: Argo CD will not sync it",
                )
            )
            continue
        findings += _check_app(view, rendered, project)
    return findings


def _check_app(view: ArgoView, rendered: RenderedApp, project: AppProject) -> list[Finding]:
    findings = []
    app = rendered.app
    for index, source in enumerate(app.spec.all_sources()):
        if not rules.source_permitted(project, source.repo_url):
            where = f"spec.sources[{index}].repoURL" if app.spec.sources else "spec.source.repoURL"
            findings.append(
                app.finding(
                    CHECK,
                    where,
                    f"repository {source.repo_url} is not permitted in project {project.name!r}"
                    " (spec.sourceRepos): add it there, or use an allowed one",
                )
            )
    if not rules.destination_permitted(project, app.namespace):
        findings.append(
            app.finding(
                CHECK,
                "spec.destination",
                f"namespace {app.namespace!r} is not permitted in project {project.name!r}",
            )
        )
    for obj in rendered.objects:
        findings += _check_object(view, rendered, project, obj)
    return findings


def _check_object(
    view: ArgoView, rendered: RenderedApp, project: AppProject, obj: Manifest
) -> list[Finding]:
    namespace = landing_namespace(obj, rendered, view.cluster)
    namespaced = namespace is not None
    app = rendered.app.name
    if not rules.resource_permitted(project, obj.group, obj.kind, obj.name, namespaced):
        scope = "namespaced" if namespaced else "cluster-scoped"
        where = "clusterResourceWhitelist" if not namespaced else "namespaceResourceBlacklist"
        return [
            obj.finding(
                CHECK,
                "kind",
                f"resource {obj.group}:{obj.kind} ({scope}) is not permitted in project "
                f"{project.name!r} ({where}): Argo CD refuses the whole sync. Fix: allow it in "
                f"the project, or stop the chart from rendering it",
            ).in_application(app)
        ]
    if namespace is not None and not rules.destination_permitted(project, namespace):
        hint = _namespace_hint(rendered, namespace)
        return [
            obj.finding(
                CHECK,
                "metadata.namespace",
                f"namespace {namespace} is not permitted in project '{project.name}': Argo CD "
                f"refuses the whole sync{hint}. Fix: keep the object in an allowed namespace "
                "(or add a destination to the project if it must live there)",
            ).in_application(app)
        ]
    return []


def _namespace_hint(rendered: RenderedApp, namespace: str) -> str:
    keys = values_keys_holding(rendered, namespace)
    return f"; the namespace comes from values key {', '.join(keys)}" if keys else ""


def least_privilege(view: ArgoView) -> list[Finding]:
    """Each project allows what its Applications use and nothing more (no wildcards)."""
    findings = []
    for project in view.projects.values():
        apps = [a for a in view.apps if a.app.spec.project == project.name]

        def report(path: str, message: str, project: AppProject = project) -> None:
            file = project.origin.source if project.origin else project.name
            findings.append(
                Finding(
                    check=SCOPE_CHECK,
                    file=file,
                    kind="AppProject",
                    name=project.name,
                    path=path,
                    message=message,
                )
            )

        spec = project.spec
        for label, values in (
            ("sourceRepos", spec.source_repos),
            ("destinations", [d.namespace for d in spec.destinations]),
            (
                "clusterResourceWhitelist",
                [f"{r.group}/{r.kind}" for r in spec.cluster_resource_whitelist or []],
            ),
        ):
            if any("*" in value for value in values):
                report(f"spec.{label}", f"{label} contains a wildcard; list exact entries")
        used_repos = {s.repo_url for a in apps for s in a.app.spec.all_sources()}
        for repo in sorted(set(spec.source_repos) - used_repos):
            report("spec.sourceRepos", f"allows {repo!r}, which no Application uses")
        used_namespaces = {a.app.namespace for a in apps}
        for a in apps:
            used_namespaces |= {
                ns for o in a.objects if (ns := landing_namespace(o, a, view.cluster))
            }
        for destination in spec.destinations:
            if destination.namespace not in used_namespaces:
                report(
                    "spec.destinations",
                    f"allows namespace {destination.namespace!r}, which no Application uses",
                )
        used_kinds = {
            f"{o.group}/{o.kind}"
            for a in apps
            for o in a.objects
            if landing_namespace(o, a, view.cluster) is None
        }
        used_kinds |= {
            "/Namespace" for a in apps if a.app.spec.sync_policy.has_option("CreateNamespace=true")
        }
        for entry in spec.cluster_resource_whitelist or []:
            if f"{entry.group}/{entry.kind}" not in used_kinds:
                report(
                    "spec.clusterResourceWhitelist",
                    f"allows cluster-scoped {entry.group}/{entry.kind}, which no Application "
                    "creates",
                )
    return findings
