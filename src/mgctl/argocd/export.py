"""`mgctl apps render`: what Argo CD would apply, one directory per Application, for people.

DIR/<application>/application.yaml   the concrete Application (ApplicationSets expanded)
DIR/<application>/manifests.yaml     its objects as Argo CD applies them: in sync order, each
                                     namespaced object in its namespace, `# Source:` naming
                                     the chart template or repository file
DIR/applications.txt                 one line per Application: wave, parent, project,
                                     destination, sources, objects, problems

DIR is replaced as a whole (written beside it, then renamed), and only when it is empty or
holds an earlier `mgctl apps render` (the marker file `.mgctl-apps`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.sync_order import sort_key
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Manifest

MARKER = ".mgctl-apps"


class ExportRefused(ValueError):
    """DIR holds something other than an earlier `mgctl apps render`."""


def applied_body(obj: Manifest, rendered: RenderedApp, view: ArgoView) -> dict[str, Any]:
    """The object as Argo CD sends it: namespace defaulted for namespaced kinds, none on
    cluster-scoped ones."""
    body = dict(obj.body)
    metadata = dict(body.get("metadata") or {})
    if view.cluster.is_namespaced(obj.group, obj.kind):
        metadata.setdefault("namespace", rendered.app.namespace)
    else:
        metadata.pop("namespace", None)
    body["metadata"] = metadata
    return body


_DUMPER = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, width=100)


def app_files(rendered: RenderedApp, view: ArgoView) -> dict[str, str]:
    app = rendered.app
    body = app.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    files = {
        "application.yaml": _dump(
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **body}
        )
    }
    parts = []
    for obj in sorted(rendered.objects, key=sort_key):
        if obj.full_text is not None:  # a CRD exactly as rendered (cluster-scoped, no namespace)
            text = "\n".join(
                line
                for line in obj.full_text.strip("\n").splitlines()
                if not line.startswith("# Source:")
            )
            parts.append(f"# Source: {obj.source}\n{text}\n")
        else:
            parts.append(f"# Source: {obj.source}\n{_dump(applied_body(obj, rendered, view))}")
    files["manifests.yaml"] = "---\n".join(parts)
    return files


def summary(view: ArgoView) -> str:
    lines = []
    for rendered in view.apps:
        app = rendered.app
        sources = ", ".join(s.label for s in rendered.sources if s.kind != "ref")
        line = (
            f"{app.name}\twave {app.wave}\tparent {view.parent.get(app.name, '-')}\t"
            f"project {app.spec.project}\t-> {app.namespace or '-'}\t"
            f"{len(rendered.objects)} objects\t{sources}"
        )
        for _, message in rendered.problems:
            line += f"\n\tproblem: {message}"
        lines.append(line)
    for problem in view.problems:
        lines.append(f"problem: {problem.where}: {problem.message}")
    return "\n".join(lines) + "\n"


def write_view(view: ArgoView, out: Path) -> int:
    """Write the view into `out`; returns the number of Applications written."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise ExportRefused(
            f"{out} is not empty and was not written by `mgctl apps render`: pick an empty or "
            "new directory"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rendered in view.apps:
            directory = staging / rendered.app.name
            directory.mkdir()
            for name, text in app_files(rendered, view).items():
                (directory / name).write_text(text, encoding="utf-8")
        (staging / "applications.txt").write_text(summary(view), encoding="utf-8")
        (staging / MARKER).write_text("written by mgctl apps render\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return len(view.apps)
