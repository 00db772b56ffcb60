"""ApplicationSet expansion: git directory generator semantics (basename, exclude, hidden
directories), Go templates with missingkey=error, list generators, what is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mgctl.argocd.appset import expand, filter_directories, repository_directories
from mgctl.argocd.models import ApplicationSet
from mgctl.argocd.repos import LocalRepos

REPO = "git@github.com:example/mg-deploy.git"


def repo(tmp_path: Path) -> LocalRepos:
    for rel in ("services/api/templates", "services/web", "services/_library", ".github/x"):
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
    repos = LocalRepos()
    repos.add_git(REPO, tmp_path)
    return repos


def appset(template_name: str = "{{ .path.basename }}", **spec: Any) -> ApplicationSet:
    body = {
        "metadata": {"name": "services", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": REPO,
                        "revision": "main",
                        "directories": [
                            {"path": "services/*"},
                            {"path": "services/_library", "exclude": True},
                        ],
                    }
                }
            ],
            "template": {
                "metadata": {"name": template_name},
                "spec": {
                    "project": "applications",
                    "source": {"repoURL": REPO, "path": "{{ .path.path }}"},
                    "destination": {"namespace": "{{ .path.basename }}"},
                },
            },
            **spec,
        },
    }
    return ApplicationSet.model_validate(body)


def test_directories_skip_hidden_ones(tmp_path: Path) -> None:
    repo(tmp_path)
    found = repository_directories(tmp_path)
    assert "services/api/templates" in found and not any(p.startswith(".") for p in found)


def test_exclude_wins_and_star_stays_in_one_segment(tmp_path: Path) -> None:
    rules: list[dict[str, Any]] = [
        {"path": "services/*"},
        {"path": "services/_library", "exclude": True},
    ]
    repo(tmp_path)
    paths = repository_directories(tmp_path)
    assert filter_directories(rules, paths) == ["services/api", "services/web"]


def test_expansion_names_destinations_and_origin(tmp_path: Path) -> None:
    result = expand(appset(), repo(tmp_path))
    assert result.problems == []
    assert [a.name for a in result.applications] == ["api", "web"]
    api = result.applications[0]
    assert api.namespace == "api" and api.metadata.namespace == "argocd"
    assert api.spec.all_sources()[0].path == "services/api"
    assert api.generated_by == "services"


def test_missingkey_error_is_a_problem_not_a_broken_app(tmp_path: Path) -> None:
    result = expand(appset("{{ .path.basenam }}"), repo(tmp_path))
    assert result.applications == []
    assert result.problems and "map has no entry for key 'basenam'" in result.problems[0]


def test_basename_normalized_and_segments(tmp_path: Path) -> None:
    (tmp_path / "services" / "Market_Data").mkdir(parents=True)
    name = "{{ .path.basenameNormalized }}-{{ index .path.segments 0 }}"
    result = expand(appset(name), repo(tmp_path))
    assert "market-data-services" in [a.name for a in result.applications]


def test_list_generator_and_unknown_generators(tmp_path: Path) -> None:
    listed = appset(generators=[{"list": {"elements": [{"path": {"basename": "x", "path": "p"}}]}}])
    assert [a.name for a in expand(listed, repo(tmp_path)).applications] == ["x"]
    clusters = appset(generators=[{"clusters": {}}])
    assert "not expanded offline" in expand(clusters, repo(tmp_path)).problems[0]


def test_a_generator_matching_nothing_is_reported(tmp_path: Path) -> None:
    elsewhere = appset(generators=[{"git": {"repoURL": REPO, "directories": [{"path": "apps/*"}]}}])
    assert "generates no Application" in expand(elsewhere, repo(tmp_path)).problems[0]
