"""Go text/template as ApplicationSet templates use it."""

from __future__ import annotations

import pytest

from mgctl.argocd.gotemplate import TemplateError, TemplateUnsupported, render, render_tree

PARAMS = {"path": {"path": "services/api", "basename": "api", "segments": ["services", "api"]}}


def test_fields_index_and_pipelines() -> None:
    assert render("{{ .path.basename }}", PARAMS) == "api"
    assert render("{{index .path.segments 0}}/{{ .path.basename | upper }}", PARAMS) == (
        "services/API"
    )
    assert render('{{ .path.basename | replace "a" "A" }}', PARAMS) == "Api"
    assert render("x-{{- .path.basename -}} -y", PARAMS) == "x-api-y"


def test_missingkey_error_fails_like_go() -> None:
    with pytest.raises(TemplateError, match="map has no entry for key 'nope'"):
        render("{{ .path.nope }}", PARAMS, missingkey_error=True)
    assert render("{{ .path.nope }}", PARAMS) == "<no value>"


def test_unsupported_actions_are_refused_not_guessed() -> None:
    with pytest.raises(TemplateUnsupported):
        render("{{ if .path.basename }}x{{ end }}", PARAMS)
    with pytest.raises(TemplateUnsupported):
        render("{{ sha256sum .path.basename }}", PARAMS)


def test_render_tree_touches_strings_only() -> None:
    tree = {"name": "{{ .path.basename }}", "replicas": 2, "list": ["{{ .path.path }}"]}
    assert render_tree(tree, PARAMS) == {"name": "api", "replicas": 2, "list": ["services/api"]}
