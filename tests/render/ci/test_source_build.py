"""The source repository's workflows: one caller per service built from platform.yaml, the
reusable build (tests, buildx cache, SBOM + provenance, digest output, no write access), and the
release-tag rule run for real and compared with the Image Updater's allow-tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mgctl.config.platform import Platform
from mgctl.config.services import Build
from mgctl.render.ci import layout
from mgctl.render.ci.release_tags import image_tag_pattern, published_image_tag
from mgctl.render.ci.source_build import ImageName, source_workflows
from mgctl.render.filemap import FileMap
from mgctl.render.infra.components import image_updater

from .workflow_steps import load, run_step, step


def test_one_caller_per_service(platform: Platform, source_files: FileMap) -> None:
    callers = {f".github/workflows/build-{s.name}.yml" for s in platform.services}
    assert set(source_files) == {*callers, layout.BUILD_WORKFLOW}
    engine = load(source_files[".github/workflows/build-engine.yml"])
    assert engine["permissions"] == {}
    job = engine["jobs"]["build"]
    assert job["uses"] == f"$/{layout.BUILD_WORKFLOW}"  # GitHub's self-repository syntax
    assert job["permissions"] == {"contents": "read"}
    assert "secrets" not in job  # registry credentials live in the `registry` environment
    assert job["with"] == {
        "service": "engine",
        "context": "services/engine",
        "dockerfile": "services/engine/Dockerfile",
        "test-target": "test",
        "registry": "docker.io",
        "image": "shykhov/mg.engine",
        "tag-prefix": "engine/",
        "tag-pattern": r"^v\d+\.\d+\.\d+$",
    }
    # YAML's `on:` key is read as True by PyYAML
    triggers = engine[True]
    assert triggers["push"]["tags"] == ["engine/*"]
    assert "services/engine/**" in triggers["pull_request"]["paths"]


def test_build_section_from_platform_yaml(platform: Platform) -> None:
    custom = platform.model_copy(deep=True)
    frontend = next(s for s in custom.services if s.name == "frontend")
    frontend.build = Build(context="frontend", dockerfile="docker/Dockerfile", test_target=None)
    custom.services[0].build = None  # built elsewhere: no workflow
    files = source_workflows(custom)
    assert f".github/workflows/build-{custom.services[0].name}.yml" not in files
    caller = load(files[".github/workflows/build-frontend.yml"])
    assert caller["jobs"]["build"]["with"]["context"] == "frontend"
    assert caller["jobs"]["build"]["with"]["dockerfile"] == "frontend/docker/Dockerfile"
    assert caller["jobs"]["build"]["with"]["test-target"] == ""
    assert caller[True]["pull_request"]["paths"][0] == "frontend/**"


@pytest.mark.parametrize(
    ("repository", "registry", "path"),
    [
        ("shykhov/mg.engine", "docker.io", "shykhov/mg.engine"),
        ("nginx", "docker.io", "nginx"),
        ("ghcr.io/acme/engine", "ghcr.io", "acme/engine"),
        ("localhost:5000/engine", "localhost:5000", "engine"),
        ("registry.example.com:443/team/engine", "registry.example.com:443", "team/engine"),
    ],
)
def test_image_names(repository: str, registry: str, path: str) -> None:
    assert ImageName.parse(repository) == ImageName(registry, path)


def test_reusable_build_least_privilege(source_files: FileMap) -> None:
    text = source_files[layout.BUILD_WORKFLOW]
    workflow = load(text)
    assert workflow["permissions"] == {}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == publish["permissions"] == {"contents": "read"}
    # nothing can push to a repository: no write scope, no token handed to a step
    assert all(
        v == "read" for job in workflow["jobs"].values() for v in job["permissions"].values()
    )
    assert "github.token" not in text and "GITHUB_TOKEN" not in text
    assert "environment" not in build and "secrets." not in str(build)
    assert publish["environment"] == layout.REGISTRY_ENVIRONMENT
    assert publish["if"] == "needs.build.outputs.publish == 'true'"
    for job in (build, publish):
        for candidate in job["steps"]:
            if candidate.get("uses", "").startswith("actions/checkout@"):
                assert candidate["with"]["persist-credentials"] is False
    outputs = workflow[True]["workflow_call"]["outputs"]
    assert outputs["digest"]["value"] == "${{ jobs.publish.outputs.digest }}"


def test_reusable_build_tests_caches_and_attests(source_files: FileMap) -> None:
    workflow = load(source_files[layout.BUILD_WORKFLOW])
    tests = step(workflow, "build", "Tests (Dockerfile stage ${{ inputs.test-target }})")
    assert tests["with"]["target"] == "${{ inputs.test-target }}"
    assert tests["with"]["cache-from"] == "type=gha,scope=${{ inputs.service }}"
    assert tests["with"]["cache-to"] == "type=gha,mode=max,scope=${{ inputs.service }}"
    push = step(workflow, "publish", "push")["with"]
    assert push["push"] is True
    assert push["sbom"] is True and push["provenance"] == "mode=max"
    assert push["no-cache"] is True and "cache-from" not in push  # a release never reuses a cache
    assert workflow["jobs"]["publish"]["outputs"]["digest"] == "${{ steps.push.outputs.digest }}"


TAGS = [
    ("tag", "engine/v1.2.3", "v1.2.3"),
    ("tag", "engine/v1.2.3-rc.1", None),
    ("tag", "engine/1.2.3", None),
    ("tag", "broker/v1.2.3", None),
    ("tag", "v1.2.3", None),
    ("branch", "engine/v1.2.3", None),
    ("branch", "main", None),
]


@pytest.mark.parametrize(("ref_type", "ref", "expected"), TAGS)
def test_release_tag_rule(
    platform: Platform,
    source_files: FileMap,
    tmp_path: Path,
    ref_type: str,
    ref: str,
    expected: str | None,
) -> None:
    """The workflow's step, run with python3 as on the runner, agrees with
    `published_image_tag` and with the Image Updater pattern (re.search of allowTags)."""
    engine = next(s for s in platform.services if s.name == "engine")
    caller = load(source_files[".github/workflows/build-engine.yml"])["jobs"]["build"]["with"]
    script = step(load(source_files[layout.BUILD_WORKFLOW]), "build", "release")["run"]
    env = {
        "REF_TYPE": ref_type,
        "REF_NAME": ref,
        "TAG_PREFIX": caller["tag-prefix"],
        "TAG_PATTERN": caller["tag-pattern"],
    }
    proc, outputs = run_step(script, tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    assert outputs == {"publish": "true" if expected else "false", "tag": expected or ""}
    assert (published_image_tag(engine, ref) if ref_type == "tag" else None) == expected
    if ref_type == "tag" and expected is None:
        assert "::warning::" in proc.stdout


def _with_engine_image(platform: Platform, **image: str) -> Platform:
    services = [
        s.model_copy(update={"image": s.image.model_validate({**s.image.model_dump(), **image})})
        if s.name == "engine"
        else s
        for s in platform.services
    ]
    return platform.model_copy(update={"services": services})


def test_tag_rule_follows_the_tag_scheme(platform: Platform) -> None:
    """One definition: a service tagged 1.2.3 gets Image Updater allow-tags without the `v`,
    and its build workflow publishes exactly those tags."""
    changed = _with_engine_image(platform, tag="1.4.2")
    engine = next(s for s in changed.services if s.name == "engine")
    assert image_tag_pattern(engine) == r"^\d+\.\d+\.\d+$"
    caller = load(source_workflows(changed)[".github/workflows/build-engine.yml"])
    assert caller["jobs"]["build"]["with"]["tag-pattern"] == r"^\d+\.\d+\.\d+$"
    assert published_image_tag(engine, "engine/1.4.3") == "1.4.3"
    assert published_image_tag(engine, "engine/v1.4.3") is None


def test_tag_rule_follows_an_explicit_allow_tags(platform: Platform) -> None:
    changed = _with_engine_image(platform, tag="2026.01.05", allow_tags=r"^\d{4}\.\d{2}\.\d{2}$")
    engine = next(s for s in changed.services if s.name == "engine")
    (ref,) = [
        r
        for r in image_updater.image_updater(changed)["spec"]["applicationRefs"]
        if r["namePattern"] == "engine"
    ]
    assert ref["images"][0]["commonUpdateSettings"]["allowTags"] == (
        r"regexp:^\d{4}\.\d{2}\.\d{2}$"
    )
    assert published_image_tag(engine, "engine/2026.02.01") == "2026.02.01"
    assert published_image_tag(engine, "engine/v1.2.3") is None


def test_a_non_regexp_allow_tags_is_an_error(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image_updater, "allow_tags", lambda service: "any")
    with pytest.raises(ValueError, match=r"services\.engine: .* not a 'regexp:' pattern"):
        source_workflows(platform)


def test_allow_tags_is_the_rendered_one(platform: Platform) -> None:
    cr = image_updater.image_updater(platform)
    for service, ref in zip(platform.services, cr["spec"]["applicationRefs"], strict=True):
        allow = ref["images"][0]["commonUpdateSettings"]["allowTags"]
        assert re.fullmatch(r"regexp:(.+)", allow)
        assert image_tag_pattern(service) == allow.removeprefix("regexp:")
