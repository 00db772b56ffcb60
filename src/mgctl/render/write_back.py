"""What Argo CD Image Updater has committed to mg-deploy, read back after a render.

Its git write-back puts the image it rolled out into `.argocd-source-<app>.yaml` beside the
service chart, as Helm parameters (`image.tag`, `image.repository`). Argo CD applies those
over values.yaml (the repo-server's `mergeSourceParameters`, modelled in
`mgctl.argocd.source_overrides`), so once such a file sets `image.tag`, a different tag in
platform.yaml changes nothing. The render says so instead of leaving the user to wonder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mgctl.config.platform import Platform
from mgctl.render.service_layout import DEPLOY_ROOT, service_dir

OVERRIDE_FILES = (".argocd-source.yaml", ".argocd-source-{app}.yaml")  # merged in this order
TAG_PARAMETER = "image.tag"


def written_back_parameters(chart_dir: Path, app: str) -> tuple[Path, dict[str, str]] | None:
    """The Helm parameters Argo CD takes from the override files: the last file that sets
    `helm.parameters` replaces the list (a JSON merge patch replaces lists)."""
    found: tuple[Path, dict[str, str]] | None = None
    for name in OVERRIDE_FILES:
        path = chart_dir / name.format(app=app)
        if not path.is_file():
            continue
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # validate reports an unreadable override file
        helm = data.get("helm") if isinstance(data, dict) else None
        parameters = helm.get("parameters") if isinstance(helm, dict) else None
        if isinstance(parameters, list):
            found = (
                path,
                {
                    str(p["name"]): str(p.get("value", ""))
                    for p in parameters
                    if isinstance(p, dict) and "name" in p
                },
            )
    return found


def shadowed_tags(platform: Platform, out: Path) -> list[str]:
    """One note per service whose platform.yaml tag Argo CD does not deploy."""
    notes = []
    for index, service in enumerate(platform.services):
        rel = f"{DEPLOY_ROOT}/{service_dir(service)}"
        found = written_back_parameters(out / rel, service.name)
        if found is None or TAG_PARAMETER not in found[1]:
            continue
        path, parameters = found
        deployed = parameters[TAG_PARAMETER]
        if deployed == service.image.tag:
            continue
        notes.append(
            f"services[{index}].image.tag {service.image.tag or '(none)'} of {service.name} is "
            f"shadowed: {rel}/{path.name} (Image Updater's write-back) sets image.tag "
            f"{deployed}, which Argo CD deploys. To run {service.image.tag or 'the chart'}"
            f"{'' if service.image.tag else ' default'}, delete that file's image.tag "
            f"parameter in mg-deploy (Image Updater writes it again with its next update); "
            f"to record what runs, set image.tag: {deployed}"
        )
    return notes
