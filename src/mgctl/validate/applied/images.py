"""Component images match the catalog: each pinned chart's main image (data/catalog.yaml
`image`) runs the chart's own appVersion, or the catalog's `image_tag` where mgctl needs a
newer release than the chart ships."""

from __future__ import annotations

from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.charts.archive import ChartArchiveError, top_metadata
from mgctl.manifests import Finding
from mgctl.validate.workloads import containers, pod_template

CHECK = "component-image"


def split_image(image: str) -> tuple[str, str]:
    """(repository with registry, tag) of `registry/repo:tag[@digest]`; docker.io implied."""
    name = image.split("@", 1)[0]
    repository, tag = name, ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = name.rsplit(":", 1)
    first = repository.split("/", 1)[0]
    if "/" not in repository or ("." not in first and ":" not in first and first != "localhost"):
        repository = f"docker.io/{repository}"
    repository = repository.replace("index.docker.io/", "docker.io/")
    return repository.replace("docker.io/library/", "docker.io/", 1), tag


def _normalize(repository: str) -> str:
    return split_image(f"{repository}:x")[0]


def check(view: ArgoView) -> list[Finding]:
    return [f for rendered in view.apps for f in check_app(rendered)]


def check_app(rendered: RenderedApp) -> list[Finding]:
    findings = []
    for source in rendered.sources:
        pin = source.pin
        if pin is None or not pin.image or source.chart_path is None:
            continue
        try:
            app_version = str(top_metadata(source.chart_path).get("appVersion", ""))
        except ChartArchiveError:
            continue
        # charts tag images with their appVersion, with or without a leading `v`
        expected = {pin.image_tag} if pin.image_tag else {app_version, f"v{app_version}"}
        findings += _check_images(rendered, _normalize(pin.image), expected, pin.key)
    return findings


def _check_images(
    rendered: RenderedApp, repository: str, expected: set[str], key: str
) -> list[Finding]:
    findings = []
    used = False
    for obj in rendered.objects:
        template = pod_template(obj)
        if template is None:
            continue
        for container in containers(template):
            image = str(container.body.get("image") or "")
            repo, tag = split_image(image)
            if repo != repository:
                continue
            used = True
            if tag not in expected:
                shown = " or ".join(sorted(expected))
                findings.append(
                    obj.finding(
                        CHECK,
                        f"{container.path}.image",
                        f"{image} is not the catalog's {key} image {repository}:{shown} "
                        "(data/catalog.yaml: the chart's appVersion, or image_tag): set the "
                        "chart's image tag, or re-pin",
                    ).in_application(rendered.app.name)
                )
    if not used:
        findings.append(
            rendered.app.finding(
                CHECK,
                "",
                f"no container runs the catalog's {key} image {repository}: fix "
                "`image` in data/catalog.yaml",
            )
        )
    return findings
