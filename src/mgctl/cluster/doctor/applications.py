"""Argo CD Applications: sync status, health, last error."""

from __future__ import annotations

from mgctl.cluster.doctor.model import Context, Objects, Row, missing_type
from mgctl.cluster.waiting import APPLICATIONS, app_status

AREA = "Argo CD"
RESOURCES = (APPLICATIONS,)


def next_step(name: str, problems: tuple[str, ...]) -> str:
    text = " ".join(problems)
    if "unable to authenticate" in text or "permission denied" in text.lower():
        return (
            "the repository's deploy key is not accepted: add its public half as a deploy key "
            "of that repository only (write access for mg-deploy), or delete its repository "
            "Secret in argocd and re-run `mgctl bootstrap` for a new key"
        )
    if "ComparisonError" in text:
        return f"render/commit problem in git: `kubectl -n argocd describe application {name}`"
    return (
        f"`kubectl -n argocd describe application {name}`; fix in git (Argo CD retries), "
        "or sync by hand from the UI"
    )


def check(objects: Objects, ctx: Context) -> list[Row]:
    if APPLICATIONS not in objects:
        return [missing_type(AREA, APPLICATIONS, True, "Argo CD (run `mgctl bootstrap`)")]
    apps = [app_status(a) for a in objects[APPLICATIONS]]
    if not apps:
        return [
            Row(
                AREA,
                "applications",
                "fail",
                "no Applications",
                "apply the root Application: `mgctl bootstrap`",
            )
        ]
    rows = []
    for app in sorted(apps, key=lambda a: (a.wave, a.name)):
        detail = f"wave {app.wave}: {app.sync}/{app.health}"
        if app.problems:
            detail += f"; {app.problems[0]}"
        if app.ready:
            rows.append(Row(AREA, app.name, "ok", detail))
        elif app.health == "Progressing" and app.sync == "Synced" and not app.problems[1:]:
            rows.append(
                Row(AREA, app.name, "warn", detail, "still rolling out; re-check in a few minutes")
            )
        else:
            rows.append(Row(AREA, app.name, "fail", detail, next_step(app.name, app.problems)))
    return rows
