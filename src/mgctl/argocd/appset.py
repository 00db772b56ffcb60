"""ApplicationSet generator expansion, offline.

Generators (applicationset/generators/):
- git directories (git.go `generateParamsForGitDirectories`): every directory of the
  repository, hidden ones skipped (reposerver `GetGitDirectories`), kept when a non-exclude
  entry matches it with Go `path.Match` and no exclude entry does (`filterApps`); parameters
  `path.path`, `path.basename`, `path.basenameNormalized`, `path.segments` (Go templates) or
  `path`, `path.basename`, `path[N]` (fasttemplate), under `pathParamPrefix` when set;
- list (list.go): each element is a parameter set.
Templates render every string of `spec.template` (utils `RenderTemplateParams`) with Go
text/template (`goTemplate: true`, honouring `missingkey=error`) or fasttemplate `{{ key }}`.
Other generators, `templatePatch` and files generators are reported, not guessed.
A generated Application gets Argo CD's resources-finalizer when its template names no
finalizer and the ApplicationSet does not set `syncPolicy.preserveResourcesOnDeletion`
(utils.go `RenderTemplateParams`): only then does its deletion cascade to its resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.argocd import gotemplate
from mgctl.argocd.globs import BadPattern, go_path_match
from mgctl.argocd.models import API_GROUP, RESOURCES_FINALIZER, Application, ApplicationSet
from mgctl.argocd.repos import LocalRepos, RepositoryNotLocal


class ExpansionProblem(ValueError):
    """The ApplicationSet controller would fail to generate Applications."""


@dataclass
class Expansion:
    appset: ApplicationSet
    applications: list[Application] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def repository_directories(root: Path) -> list[str]:
    """Every directory below `root` as a slash path, hidden directories (and their
    contents) skipped, in filepath.WalkDir order."""
    found: list[str] = []

    def walk(directory: Path, prefix: str) -> None:
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            if entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
                rel = f"{prefix}{entry.name}"
                found.append(rel)
                walk(entry, f"{rel}/")

    walk(root, "")
    return found


def filter_directories(rules: list[dict[str, Any]], paths: list[str]) -> list[str]:
    kept = []
    for app_path in paths:
        include = exclude = False
        for rule in rules:
            try:
                matched = go_path_match(str(rule.get("path", "")), app_path)
            except BadPattern:
                continue  # the controller logs the error and skips the rule
            if matched and not rule.get("exclude"):
                include = True
            if matched and rule.get("exclude"):
                exclude = True
        if include and not exclude:
            kept.append(app_path)
    return kept


def _normalized(name: str) -> str:
    """utils.SanitizeName."""
    return gotemplate._normalize(name)


def directory_params(app_path: str, go_template: bool, prefix: str) -> dict[str, Any]:
    basename = app_path.rsplit("/", 1)[-1]
    if go_template:
        path = {
            "path": app_path,
            "basename": basename,
            "basenameNormalized": _normalized(basename),
            "segments": app_path.split("/"),
        }
        return {prefix: {"path": path}} if prefix else {"path": path}
    name = f"{prefix}.path" if prefix else "path"
    params: dict[str, Any] = {
        name: app_path,
        f"{name}.basename": basename,
        f"{name}.basenameNormalized": _normalized(basename),
    }
    for index, segment in enumerate(app_path.split("/")):
        if segment:
            params[f"{name}[{index}]"] = segment
    return params


_FAST_TAG = re.compile(r"\{\{(.*?)\}\}")


def fasttemplate(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            replacement = params.get(match.group(1).strip())
            return replacement if isinstance(replacement, str) else match.group(0)

        return _FAST_TAG.sub(replace, value)
    if isinstance(value, dict):
        return {k: fasttemplate(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [fasttemplate(v, params) for v in value]
    return value


def generator_params(
    appset: ApplicationSet, generator: dict[str, Any], repos: LocalRepos
) -> list[dict[str, Any]]:
    spec = appset.spec
    if "list" in generator:
        return [dict(e) for e in (generator["list"] or {}).get("elements") or []]
    git = generator.get("git")
    if isinstance(git, dict):
        if git.get("files"):
            raise ExpansionProblem("git files generators are not expanded offline")
        root = repos.git_dir(str(git.get("repoURL", "")))
        rules = [r for r in git.get("directories") or [] if isinstance(r, dict)]
        paths = filter_directories(rules, repository_directories(root))
        prefix = str(git.get("pathParamPrefix") or "")
        params = [directory_params(p, spec.go_template, prefix) for p in paths]
        extra = git.get("values") or {}
        for item in params:
            if extra:
                item["values"] = _render(extra, item, appset)
        return params
    kinds = ", ".join(sorted(generator)) or "(empty)"
    raise ExpansionProblem(f"generator {kinds} is not expanded offline (git directories, list)")


def _render(value: Any, params: dict[str, Any], appset: ApplicationSet) -> Any:
    if appset.spec.go_template:
        return gotemplate.render_tree(value, params, appset.spec.missingkey_error)
    return fasttemplate(value, params)


def expand(appset: ApplicationSet, repos: LocalRepos) -> Expansion:
    result = Expansion(appset)
    if appset.spec.template_patch:
        result.problems.append("templatePatch is not applied offline")
        return result
    for index, generator in enumerate(appset.spec.generators):
        try:
            param_sets = generator_params(appset, generator, repos)
        except (ExpansionProblem, RepositoryNotLocal) as exc:
            result.problems.append(f"generators[{index}]: {exc}")
            continue
        if not param_sets:
            result.problems.append(f"generators[{index}] generates no Application")
        for params in param_sets:
            try:
                rendered = _render(appset.spec.template, params, appset)
            except (gotemplate.TemplateError, gotemplate.TemplateUnsupported) as exc:
                result.problems.append(f"generators[{index}] template: {exc}")
                continue
            result.applications.append(_application(appset, rendered))
    return result


def _application(appset: ApplicationSet, template: dict[str, Any]) -> Application:
    metadata = dict(template.get("metadata") or {})
    metadata["namespace"] = appset.metadata.namespace
    if not metadata.get("finalizers") and not appset.spec.preserves_resources:
        metadata["finalizers"] = [RESOURCES_FINALIZER]
    body = {
        "apiVersion": f"{API_GROUP}/v1alpha1",
        "kind": "Application",
        "metadata": metadata,
        "spec": template.get("spec") or {},
    }
    return Application.model_validate(
        {**body, "origin": appset.origin, "generated_by": appset.name}
    )
