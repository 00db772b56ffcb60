"""The pattern languages Argo CD uses, on the cases their Go implementations define."""

from __future__ import annotations

import pytest

from mgctl.argocd.globs import BadPattern, go_path_match, gobwas_match

ROOT_INCLUDE = "{projects/*.yaml,applicationsets/*.yaml,base/*/application*.yaml}"


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("projects/platform.yaml", True),
        ("base/traefik/application.yaml", True),
        ("base/traefik/application-config.yaml", True),
        ("base/traefik/values.yaml", False),
        # no separators: gobwas `*` crosses `/` (util/glob Match without separators)
        ("base/a/b/application.yaml", True),
        ("security/cluster/rbac.yaml", False),
    ],
)
def test_directory_include_without_separators(text: str, matched: bool) -> None:
    assert gobwas_match(ROOT_INCLUDE, text) is matched


def test_gobwas_with_separator_keeps_star_inside_a_segment() -> None:
    assert gobwas_match("https://github.com/org/*", "https://github.com/org/repo", "/")
    assert not gobwas_match("https://github.com/org/*", "https://github.com/org/a/b", "/")
    assert gobwas_match("https://github.com/**", "https://github.com/org/a/b", "/")


def test_gobwas_classes_and_bad_patterns() -> None:
    assert gobwas_match("v[0-9].yaml", "v1.yaml")
    assert gobwas_match("v[!0-9].yaml", "vx.yaml")
    assert not gobwas_match("{a,b", "a")  # does not compile: matches nothing, like util/glob


@pytest.mark.parametrize(
    ("pattern", "name", "matched"),
    [
        ("services/*", "services/api", True),
        ("services/*", "services/api/templates", False),
        ("services/_library", "services/_library", True),
        ("services/a?i", "services/api", True),
        ("*", "", True),
        ("a\\*b", "a*b", True),
    ],
)
def test_go_path_match(pattern: str, name: str, matched: bool) -> None:
    assert go_path_match(pattern, name) is matched


def test_go_path_match_bad_pattern() -> None:
    with pytest.raises(BadPattern):
        go_path_match("[a-", "a")
