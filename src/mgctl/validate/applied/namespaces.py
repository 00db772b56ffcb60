"""The Pod Security policy of every namespace the platform deploys into.

A namespace gets its labels from a Namespace object some Application applies, or from the
`managedNamespaceMetadata` of an Application with `CreateNamespace=true` (Argo CD creates the
namespace with those labels). Namespaces labelled neither way are reported: the API server
would then apply its own default (privileged unless its AdmissionConfiguration says
otherwise), which is not what mgctl promises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Manifest
from mgctl.validate import pss

CHECK = "namespace-pss"


@dataclass
class Namespaces:
    policies: dict[str, pss.NamespacePolicy] = field(default_factory=dict)
    labelled_by: dict[str, str] = field(default_factory=dict)  # namespace -> app or object
    findings: list[Finding] = field(default_factory=list)

    def policy(self, namespace: str) -> pss.NamespacePolicy:
        """Unlabelled namespaces are judged at restricted (mgctl's default; reported too)."""
        return self.policies.get(namespace, pss.NamespacePolicy(pss.Level.RESTRICTED))


def _labels(manifest: Manifest) -> dict[str, object]:
    labels = (manifest.body.get("metadata") or {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def collect(view: ArgoView) -> Namespaces:
    return collect_from(view.apps)


def collect_from(apps: Iterable[RenderedApp]) -> Namespaces:
    found = Namespaces()
    apps = list(apps)
    for rendered in apps:
        for obj in rendered.objects:
            if obj.kind == "Namespace" and obj.group == "":
                labels = _labels(obj)
                if pss.ENFORCE_LABEL in labels:
                    found.policies[obj.name] = pss.namespace_policy(labels)
                    found.labelled_by[obj.name] = rendered.app.name
                found.findings += [
                    f.in_application(rendered.app.name) for f in pss.check_namespace(obj)
                ]
    for rendered in apps:
        app = rendered.app
        policy = app.spec.sync_policy
        managed = policy.managed_namespace_metadata
        if (
            policy.has_option("CreateNamespace=true")
            and managed is not None
            and pss.ENFORCE_LABEL in managed.labels
            and app.namespace not in found.policies
        ):
            found.policies[app.namespace] = pss.namespace_policy(managed.labels)
            found.labelled_by[app.namespace] = app.name
    return found


def unlabelled(view: ArgoView, namespaces: Namespaces) -> list[Finding]:
    """Every namespace objects land in must get Pod Security labels."""
    assert view.cluster is not None
    findings = []
    reported: set[str] = set()
    for rendered in view.apps:
        used = {rendered.app.namespace} if rendered.app.namespace else set()
        for obj in rendered.objects:
            if view.cluster.is_namespaced(obj.group, obj.kind):
                used.add(obj.namespace or rendered.app.namespace)
        for namespace in sorted(used - set(namespaces.policies) - reported):
            reported.add(namespace)
            findings.append(
                rendered.app.finding(
                    CHECK,
                    "spec.destination.namespace",
                    f"objects land in namespace {namespace!r}, which gets no Pod Security "
                    "labels: add a Namespace with pod-security.kubernetes.io/* labels under "
                    "security/, or managedNamespaceMetadata with CreateNamespace=true",
                )
            )
    return findings
