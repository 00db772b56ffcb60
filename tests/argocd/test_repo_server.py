"""Sources rendered as the repo-server renders them, with the real helm: `$ref` value files,
values/valuesObject, parameters, release name and namespace, local charts, directories with
include/exclude/recurse, skip markers, hooks never applied, chart pins and the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mgctl import catalog
from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.models import Application
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RepoServer
from mgctl.argocd.repos import LocalRepos
from mgctl.charts.cache import ChartCache

from .support import CHARTS

INFRA = "git@github.com:example/mg-infrastructure.git"
DEPLOY = "https://github.com/example/mg-deploy"
CHART_YAML = "apiVersion: v2\nname: demo\nversion: 0.1.0\n"
TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
data:
  values: {{ toJson .Values | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  monitoring: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" | quote }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
spec:
  containers: [{name: t, image: "busybox:1.37"}]
"""


@pytest.fixture
def repos(tmp_path: Path) -> LocalRepos:
    deploy = tmp_path / "deploy"
    chart = deploy / "services" / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML)
    (chart / "values.yaml").write_text("a: 1\n")
    (chart / "extra.yaml").write_text("b: 2\n")
    (chart / "templates" / "cm.yaml").write_text(TEMPLATE)
    infra = tmp_path / "infra"
    (infra / "base" / "demo").mkdir(parents=True)
    (infra / "base" / "demo" / "values.yaml").write_text("a: from-infra\nc: 3\n")
    manifests = infra / "manifests"
    (manifests / "nested").mkdir(parents=True)
    (manifests / "one.yaml").write_text(_cm("one"))
    (manifests / "nested" / "two.yaml").write_text(_cm("two"))
    (manifests / "skipped.yaml").write_text("# +argocd:skip-file-rendering\n" + _cm("skipped"))
    (manifests / "notes.yaml").write_text("just: some settings\n")
    (manifests / "three.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "three"}}'
    )
    local = LocalRepos(charts=CHARTS)
    local.add_git(INFRA, infra)
    local.add_git(DEPLOY, deploy)
    return local


def _cm(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def app(spec: dict[str, Any], name: str = "demo") -> Application:
    base = {"destination": {"server": "https://kubernetes.default.svc", "namespace": "team"}}
    return Application.model_validate({"metadata": {"name": name}, "spec": {**base, **spec}})


def server(repos: LocalRepos, cache: RenderCache | None = None) -> RepoServer:
    cluster = ClusterInfo.for_version("1.35")
    cluster.served.add(("monitoring.coreos.com/v1", "ServiceMonitor"))
    return RepoServer(repos, cluster, cache)


def configmap(rendered: Any) -> dict[str, Any]:
    (cm,) = [o for o in rendered.objects if o.kind == "ConfigMap"]
    return dict(cm.body["data"], name=cm.name, namespace=cm.namespace)


def test_local_chart_with_ref_values_parameters_and_inline_values(repos: LocalRepos) -> None:
    source = {
        "repoURL": DEPLOY,
        "path": "services/demo",
        "helm": {
            "releaseName": "rel",
            "valueFiles": ["values.yaml", "extra.yaml", "$infra/base/demo/values.yaml"],
            "valuesObject": {"d": 4},
            "parameters": [
                {"name": "e", "value": "5"},
                {"name": "f", "value": "6", "forceString": True},
            ],
        },
    }
    ref = {"repoURL": INFRA, "targetRevision": "main", "ref": "infra"}
    rendered = server(repos).render(app({"sources": [source, ref]}))
    assert rendered.problems == []
    data = configmap(rendered)
    # later value files win, valuesObject after them, parameters last (helmTemplate order)
    assert data["values"] == '{"a":"from-infra","b":2,"c":3,"d":4,"e":5,"f":"6"}'
    assert (data["name"], data["namespace"]) == ("rel", "team")
    assert data["kube"] == "v1.35.0" and data["monitoring"] == "true"
    # the helm test hook is never applied by Argo CD
    assert [o.kind for o in rendered.objects] == ["ConfigMap"]
    assert rendered.sources[0].never_applied == 1


def test_release_name_defaults_to_the_application(repos: LocalRepos) -> None:
    rendered = server(repos).render(app({"source": {"repoURL": DEPLOY, "path": "services/demo"}}))
    assert configmap(rendered)["name"] == "demo"


@pytest.mark.parametrize(
    ("value_file", "message"),
    [
        ("$nope/base/demo/values.yaml", "no source has `ref: nope`"),
        ("$infra/base/demo/missing.yaml", "does not exist"),
        ("missing.yaml", "does not exist"),
        ("$infra/../../etc/passwd", "leaves the repository"),
    ],
)
def test_value_file_problems(repos: LocalRepos, value_file: str, message: str) -> None:
    source = {"repoURL": DEPLOY, "path": "services/demo", "helm": {"valueFiles": [value_file]}}
    ref = {"repoURL": INFRA, "ref": "infra"}
    rendered = server(repos).render(app({"sources": [source, ref]}))
    assert [m for _, m in rendered.problems if message in m], rendered.problems


def test_missing_value_files_can_be_ignored(repos: LocalRepos) -> None:
    helm = {"valueFiles": ["missing.yaml"], "ignoreMissingValueFiles": True}
    source = {"repoURL": DEPLOY, "path": "services/demo", "helm": helm}
    assert server(repos).render(app({"source": source})).problems == []


@pytest.mark.parametrize(
    ("directory", "names"),
    [
        ({}, ["one", "three"]),
        ({"recurse": True}, ["two", "one", "three"]),
        ({"recurse": True, "exclude": "nested/*"}, ["one", "three"]),
        ({"recurse": True, "include": "*.json"}, ["three"]),
        ({"recurse": True, "include": "{one.yaml,nested/*}"}, ["two", "one"]),
    ],
)
def test_directory_sources(repos: LocalRepos, directory: dict[str, Any], names: list[str]) -> None:
    source = {"repoURL": INFRA, "path": "manifests", "directory": directory}
    rendered = server(repos).render(app({"source": source}))
    assert rendered.problems == []
    assert [o.name for o in rendered.objects] == names


def test_broken_manifest_file_is_a_problem(repos: LocalRepos) -> None:
    infra = repos.git_dir(INFRA)
    (infra / "manifests" / "bad.yaml").write_text("apiVersion: v1\nkind: [\nmetadata: {}\n")
    rendered = server(repos).render(app({"source": {"repoURL": INFRA, "path": "manifests"}}))
    assert any("Failed to unmarshal 'bad.yaml'" in m for _, m in rendered.problems)


def test_a_chart_missing_from_the_cache_names_the_fix(repos: LocalRepos, tmp_path: Path) -> None:
    pin = catalog.chart("reloader")
    repos.charts = ChartCache(tmp_path / "empty")
    source = {"repoURL": pin.repo_url, "chart": pin.chart, "targetRevision": pin.version}
    (problem,) = server(repos).render(app({"source": source})).problems
    assert "is not in the chart cache" in problem[1] and "mgctl charts fetch" in problem[1]


@pytest.mark.parametrize("version", ["2.x", "*", ">=2.0.0"])
def test_a_chart_version_range_is_refused(repos: LocalRepos, version: str) -> None:
    pin = catalog.chart("reloader")
    source = {"repoURL": pin.repo_url, "chart": pin.chart, "targetRevision": version}
    (problem,) = server(repos).render(app({"source": source})).problems
    assert "is not pinned in mgctl's catalog" in problem[1]


def test_another_exact_version_of_a_pinned_chart_comes_from_the_cache(
    repos: LocalRepos,
) -> None:
    """components.<name>.version: rendered unverified when the archive is there (see
    test_overrides), and without it the fix is the helm pull that fetches it."""
    pin = catalog.chart("reloader")
    source = {"repoURL": pin.repo_url, "chart": pin.chart, "targetRevision": "2.2.17"}
    (problem,) = server(repos).render(app({"source": source})).problems
    assert (
        "reloader 2.2.17 (an unpinned version of reloader) is not in the chart cache"
        in (problem[1])
    )
    assert "helm pull reloader --repo https://stakater.github.io/stakater-charts" in problem[1]


def test_a_chart_the_catalog_does_not_know_is_refused(repos: LocalRepos) -> None:
    source = {"repoURL": "https://charts.example.com", "chart": "x", "targetRevision": "1.0.0"}
    (problem,) = server(repos).render(app({"source": source})).problems
    assert "is not pinned in mgctl's catalog" in problem[1]


def test_oci_chart_source_as_argo_cd_spells_it(repos: LocalRepos) -> None:
    source = {
        "repoURL": "quay.io",
        "chart": "strimzi-helm/strimzi-kafka-operator",
        "targetRevision": catalog.chart("strimzi").version,
    }
    rendered = server(repos).render(app({"source": source}))
    assert rendered.problems == []
    assert rendered.sources[0].pin == catalog.chart("strimzi")
    assert any(o.kind == "Deployment" for o in rendered.objects)


def test_render_cache_hits_on_the_same_inputs_only(repos: LocalRepos, tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "renders")
    demo = app({"source": {"repoURL": DEPLOY, "path": "services/demo"}})
    first = server(repos, cache).render(demo)
    second = server(repos, cache).render(demo)
    assert (first.sources[0].from_cache, second.sources[0].from_cache) == (False, True)
    (repos.git_dir(DEPLOY) / "services/demo/values.yaml").write_text("a: 2\n")
    assert server(repos, cache).render(demo).sources[0].from_cache is False


def test_probing_tells_which_renders_run_helm(repos: LocalRepos, tmp_path: Path) -> None:
    """The scheduler starts renders that run helm before cache hits (would_run_helm)."""
    cache = RenderCache(tmp_path / "renders")
    inline = {"repoURL": DEPLOY, "path": "services/demo", "helm": {"valuesObject": {"d": 4}}}
    demo = app({"source": inline})
    plain = app({"source": {"repoURL": INFRA, "path": "manifests"}}, name="plain")
    probing = server(repos, cache)
    assert probing.would_run_helm(demo) and not probing.would_run_helm(plain)
    assert not (tmp_path / "renders").exists()  # probing renders nothing, writes nothing
    rendered = server(repos, cache).render(demo)
    assert not server(repos, cache).would_run_helm(demo)
    # the probe's key is the render's: the hit that follows is the same objects
    again = server(repos, cache).render(demo)
    assert again.sources[0].from_cache and again.sources[0].key == rendered.sources[0].key
    assert configmap(again) == configmap(rendered)
    changed = app({"source": {**inline, "helm": {"valuesObject": {"d": 5}}}})
    assert server(repos, cache).would_run_helm(changed)
    other_api = ClusterInfo.for_version("1.34")
    assert server(repos, cache).would_run_helm(demo, other_api)
    assert server(repos, None).would_run_helm(demo)  # no cache: every helm source runs


def test_parameter_overrides_beside_the_chart_are_merged(repos: LocalRepos) -> None:
    """`.argocd-source.yaml`, then `.argocd-source-<app>.yaml`, as JSON merge patches over the
    source (Image Updater's git write-back writes the second, with `forcestring`)."""
    chart = repos.git_dir(DEPLOY) / "services" / "demo"
    (chart / ".argocd-source.yaml").write_text(
        "helm:\n  parameters:\n  - {name: g, value: '7'}\n  valueFiles: [values.yaml, extra.yaml]\n"
    )
    (chart / ".argocd-source-demo.yaml").write_text(
        "path: elsewhere\nhelm:\n  parameters:\n  - name: image.tag\n    value: '1.10'\n"
        "    forcestring: true\n"
    )
    (chart / ".argocd-source-other.yaml").write_text("helm: {parameters: [{name: h, value: x}]}\n")
    source = {
        "repoURL": DEPLOY,
        "path": "services/demo",
        "helm": {"valueFiles": ["values.yaml"], "parameters": [{"name": "e", "value": "5"}]},
    }
    rendered = server(repos).render(app({"source": source}))
    assert rendered.problems == []
    # the app file's parameter list replaced the others; valueFiles came from the repo file;
    # `path` in an override is ignored; forcestring kept 1.10 a string
    assert configmap(rendered)["values"] == '{"a":1,"b":2,"image":{"tag":"1.10"}}'
    assert rendered.sources[0].overrides == [
        "deploy/services/demo/.argocd-source.yaml",
        "deploy/services/demo/.argocd-source-demo.yaml",
    ]


def test_an_unreadable_override_file_is_a_problem(repos: LocalRepos) -> None:
    chart = repos.git_dir(DEPLOY) / "services" / "demo"
    (chart / ".argocd-source-demo.yaml").write_text("- not\n- a mapping\n")
    rendered = server(repos).render(app({"source": {"repoURL": DEPLOY, "path": "services/demo"}}))
    (problem,) = [m for _, m in rendered.problems]
    assert "error while parsing source parameters: .argocd-source-demo.yaml" in problem
