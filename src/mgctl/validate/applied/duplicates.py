"""The same object (group, kind, namespace, name) rendered by two Applications.

Argo CD tracks each object by one Application (annotation tracking): two Applications applying
the same object fight over it and both show SharedResourceWarning. Within one Application the
last copy wins silently (RepeatedResourceWarning, controller/state.go
`DeduplicateTargetObjects`)."""

from __future__ import annotations

from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Manifest, Severity
from mgctl.validate.applied.objects import landing_namespace

CHECK = "shared-object"

Key = tuple[str, str, str, str]


def check(view: ArgoView) -> list[Finding]:
    seen: dict[Key, tuple[str, Manifest]] = {}
    findings = []
    for rendered in view.apps:
        app = rendered.app.name
        for obj in rendered.objects:
            namespace = landing_namespace(obj, rendered, view.cluster) or ""
            key = (obj.group, obj.kind, namespace, obj.name)
            shown = f"{obj.group or 'core'}/{obj.kind} {namespace + '/' if namespace else ''}"
            shown += obj.name
            if key not in seen:
                seen[key] = (app, obj)
                continue
            other_app, other = seen[key]
            if other_app == app:
                findings.append(
                    obj.finding(
                        CHECK,
                        "metadata.name",
                        f"{shown} is rendered twice by this Application (also {other.source}); "
                        "Argo CD keeps the last copy",
                    ).model_copy(update={"severity": Severity.WARNING, "application": app})
                )
            else:
                findings.append(
                    obj.finding(
                        CHECK,
                        "metadata.name",
                        f"{shown} is also applied by Application {other_app} ({other.source}): "
                        "two Applications fight over one object; keep it in one of them",
                    ).in_application(app)
                )
    return findings
