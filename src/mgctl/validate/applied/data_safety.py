"""Objects that hold data are never deleted by Argo CD because git changed.

A CloudNativePG `Cluster` owns its PersistentVolumeClaims: deleting it deletes the database.
Argo CD deletes it when its Application is deleted with cascade (a database removed or renamed
in platform.yaml makes the databases ApplicationSet delete that Application) or prunes it when
it is no longer rendered. Either must leave it alone: `Delete=false` and `Prune=false` on the
object, or an Application whose deletion does not cascade (mgctl.argocd.deletion)."""

from __future__ import annotations

from mgctl.argocd.deletion import SYNC_OPTIONS, when_application_deleted, when_removed_from_git
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding

CHECK = "data-deletion"
DATA_KINDS = {("postgresql.cnpg.io", "Cluster"): "its PVCs, i.e. the database"}


def check(view: ArgoView) -> list[Finding]:
    findings = []
    for rendered in view.apps:
        app = rendered.app
        for obj in rendered.objects:
            what = DATA_KINDS.get((obj.group, obj.kind))
            if what is None:
                continue
            events = []
            if when_application_deleted(app, obj) == "deleted":
                how = (
                    f"ApplicationSet {app.generated_by} drops"
                    if app.generated_by
                    else "someone deletes"
                )
                events.append(f"when {how} Application {app.name}")
            if when_removed_from_git(app, obj) == "deleted":
                events.append("when it is no longer rendered (prune)")
            if events:
                findings.append(
                    obj.finding(
                        CHECK,
                        f"metadata.annotations.{SYNC_OPTIONS}",
                        f"Argo CD would delete {obj.kind} {obj.name} and {what} "
                        f"{' and '.join(events)}: annotate it "
                        f"'{SYNC_OPTIONS}: Prune=false,Delete=false' (mgctl render does)",
                    ).in_application(app.name)
                )
    return findings
