"""The library chart as files: Chart.yaml, lint, service templates, dependency build, subsets."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from .helpers import (
    FIXTURES,
    LIBRARY_DIR,
    UniqueKeyLoader,
    build_service_chart,
    check_objects,
    full_values,
    helm,
    lint,
    pss_restricted_violations,
    render,
    render_error,
    schema_errors,
)


def test_chart_yaml() -> None:
    chart = yaml.safe_load((LIBRARY_DIR / "Chart.yaml").read_text(encoding="utf-8"))
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "mg-library"
    assert chart["type"] == "library"
    assert chart["version"] == "1.0.0"


def test_library_chart_lints() -> None:
    out = lint(LIBRARY_DIR)
    assert "1 chart(s) linted, 0 chart(s) failed" in out


def test_service_templates_are_one_line_includes_of_defined_templates() -> None:
    defined = set()
    for tpl in (LIBRARY_DIR / "templates").glob("_*.tpl"):
        defined |= set(re.findall(r'define "([^"]+)"', tpl.read_text(encoding="utf-8")))
    templates = sorted((LIBRARY_DIR / "service-templates").glob("*.yaml"))
    assert [t.name for t in templates] == [
        "certificate.yaml",
        "configmap.yaml",
        "deployment.yaml",
        "external-secret.yaml",
        "hpa.yaml",
        "ingress-route.yaml",
        "network-policy.yaml",
        "pdb.yaml",
        "service-monitor.yaml",
        "service.yaml",
        "serviceaccount.yaml",
    ]
    for template in templates:
        text = template.read_text(encoding="utf-8")
        match = re.fullmatch(r'\{\{ include "(mg\.[A-Za-z]+)" \. \}\}\n', text)
        assert match, f"{template.name}: {text!r}"
        assert match.group(1) in defined


def test_file_dependency_builds_from_library_dir(tmp_path: Path) -> None:
    """The renderer's layout: Chart.yaml depends on file://../../_library; helm resolves it."""
    text = (FIXTURES / "seed-engine.values.yaml").read_text(encoding="utf-8")
    chart = build_service_chart(tmp_path, "engine", text, dependency_build=True)
    assert (chart / "charts" / "mg-library-1.0.0.tgz").is_file()
    lint(chart)
    objects = render(chart)
    assert {o["kind"] for o in objects} >= {"Deployment", "Service", "ExternalSecret"}
    check_objects(objects)


def test_minimal_values_render(tmp_path: Path) -> None:
    values = {"image": {"repository": "shykhov/mg.svc", "tag": "1.0.0"}}
    chart = build_service_chart(tmp_path, "svc", values, app_version=None)
    lint(chart)
    objects = render(chart)
    check_objects(objects)
    assert sorted(o["kind"] for o in objects) == [
        "Deployment",
        "NetworkPolicy",
        "Service",
        "ServiceAccount",
    ]


def _drop_cases() -> list[tuple[str, ...]]:
    values = full_values()
    cases: list[tuple[str, ...]] = []
    for key, value in values.items():
        if key == "image":
            continue
        cases.append((key,))
        if isinstance(value, dict):
            cases += [(key, sub) for sub in value]
    return cases


REQUIRED_WHEN_ENABLED = {
    ("externalSecret", "keys"): "mg-library: values.externalSecret.keys must list at least one",
    ("ingress", "host"): "mg-library: values.ingress.host is required",
}


@pytest.mark.parametrize("how", ["omitted", "null"])
@pytest.mark.parametrize("path", _drop_cases(), ids=lambda p: ".".join(p))
def test_any_omitted_or_null_key_renders(tmp_path: Path, path: tuple[str, ...], how: str) -> None:
    """Dropping (or nulling) any top-level key or any key of a section never crashes (no nil
    pointers), passes values.schema.json, and renders valid objects."""
    values = copy.deepcopy(full_values())
    parent = values
    for key in path[:-1]:
        parent = parent[key]
    if how == "omitted":
        del parent[path[-1]]
    else:
        parent[path[-1]] = None
    chart = build_service_chart(tmp_path, "svc", values)
    if path in REQUIRED_WHEN_ENABLED:
        # a required key of an enabled section: a named failure, not a nil-pointer crash
        assert REQUIRED_WHEN_ENABLED[path] in render_error(chart)
        return
    check_objects(render(chart))


@pytest.mark.parametrize(
    "section",
    [
        "probes",
        "autoscaling",
        "pdb",
        "metrics",
        "networkPolicy",
        "externalSecret",
        "ingress",
        "serviceAccount",
        "service",
        "tmpDir",
        "image",
    ],
)
def test_empty_or_null_section_renders(tmp_path: Path, section: str) -> None:
    values = full_values()
    values[section] = {} if section != "image" else {"repository": "r", "tag": "1"}
    check_objects(render(build_service_chart(tmp_path, "svc", values)))


def test_checks_can_fail() -> None:
    """The strict checks used everywhere really reject bad objects."""
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i", "unknownField": 1}]},
            },
        },
    }
    assert schema_errors(deployment)
    external_secret = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "x"},
        "spec": {"data": [{"secretKey": "a", "remoteRef": {"key": "b", "typo": 1}}]},
    }
    assert schema_errors(external_secret)
    route = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "x"},
        "spec": {"routes": [{"kind": "Rule"}]},
    }
    assert schema_errors(route)  # match is required
    pod = {
        "hostNetwork": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
        "containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}],
    }
    problems = " ".join(pss_restricted_violations(pod))
    for expected in (
        "hostNetwork",
        "hostPath",
        "SYS_ADMIN",
        "drop ALL",
        "runAsNonRoot",
        "allowPrivilegeEscalation",
        "seccompProfile",
    ):
        assert expected in problems


def test_helm_is_real() -> None:
    assert helm("version", "--short").stdout.startswith("v")


def test_duplicate_keys_are_detected() -> None:
    with pytest.raises(AssertionError, match="duplicate key 'a'"):
        yaml.load("a: 1\na: 2\n", Loader=UniqueKeyLoader)


def test_sidecar_field_typo_is_caught_by_strict_schema(tmp_path: Path) -> None:
    """Sidecars are verbatim Container objects: a misspelt field is not dropped silently."""
    values = {
        "image": {"repository": "r", "tag": "1"},
        "sidecars": [{"name": "agent", "image": "busybox:1.37", "workdir": "/work"}],
    }
    objects = render(build_service_chart(tmp_path, "svc", values))
    with pytest.raises(AssertionError, match="workdir"):
        check_objects(objects)
