"""Pod Security Standards: one test per control, a compliant Deployment with one change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mgctl.validate.pss import Level, check_manifest

from .builders import deployment, manifests_of, pod_spec

Mutation = Callable[[dict[str, Any]], None]


def container(doc: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = pod_spec(doc)["containers"][0]
    return first


def findings(doc: dict[str, Any], level: Level = Level.RESTRICTED) -> list[tuple[str, str]]:
    (manifest,) = manifests_of([doc])
    return [(f.path, f.message) for f in check_manifest(manifest, level)]


CTR = "spec.template.spec.containers[0]"
POD = "spec.template.spec"

BASELINE_CASES: list[tuple[str, Mutation, str]] = [
    ("hostNetwork", lambda d: pod_spec(d).update(hostNetwork=True), f"{POD}.hostNetwork"),
    ("hostPID", lambda d: pod_spec(d).update(hostPID=True), f"{POD}.hostPID"),
    ("hostIPC", lambda d: pod_spec(d).update(hostIPC=True), f"{POD}.hostIPC"),
    (
        "privileged",
        lambda d: container(d)["securityContext"].update(privileged=True),
        f"{CTR}.securityContext.privileged",
    ),
    (
        "capability beyond default set",
        lambda d: container(d)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        f"{CTR}.securityContext.capabilities.add[0]",
    ),
    (
        "hostPath volume",
        lambda d: pod_spec(d)["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        f"{POD}.volumes[1].hostPath",
    ),
    (
        "hostPort",
        lambda d: container(d)["ports"][0].update(hostPort=8080),
        f"{CTR}.ports[0].hostPort",
    ),
    (
        "probe host",
        lambda d: container(d)["livenessProbe"]["httpGet"].update(host="169.254.169.254"),
        f"{CTR}.livenessProbe.httpGet.host",
    ),
    (
        "seccomp Unconfined",
        lambda d: pod_spec(d)["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        f"{POD}.securityContext.seccompProfile.type",
    ),
    (
        "SELinux type",
        lambda d: container(d)["securityContext"].update(seLinuxOptions={"type": "spc_t"}),
        f"{CTR}.securityContext.seLinuxOptions.type",
    ),
    (
        "procMount",
        lambda d: container(d)["securityContext"].update(procMount="Unmasked"),
        f"{CTR}.securityContext.procMount",
    ),
    (
        "unsafe sysctl",
        lambda d: pod_spec(d)["securityContext"].update(
            sysctls=[{"name": "kernel.msgmax", "value": "1"}]
        ),
        f"{POD}.securityContext.sysctls[0].name",
    ),
    (
        "AppArmor unconfined",
        lambda d: container(d)["securityContext"].update(appArmorProfile={"type": "Unconfined"}),
        f"{CTR}.securityContext.appArmorProfile.type",
    ),
]

RESTRICTED_CASES: list[tuple[str, Mutation, str]] = [
    (
        "allowPrivilegeEscalation missing",
        lambda d: container(d)["securityContext"].pop("allowPrivilegeEscalation"),
        f"{CTR}.securityContext.allowPrivilegeEscalation",
    ),
    (
        "runAsNonRoot missing",
        lambda d: pod_spec(d)["securityContext"].pop("runAsNonRoot"),
        f"{CTR}.securityContext.runAsNonRoot",
    ),
    (
        "runAsUser 0",
        lambda d: container(d)["securityContext"].update(runAsUser=0),
        f"{CTR}.securityContext.runAsUser",
    ),
    (
        "seccomp missing",
        lambda d: pod_spec(d)["securityContext"].pop("seccompProfile"),
        f"{CTR}.securityContext.seccompProfile.type",
    ),
    (
        "capabilities not dropped",
        lambda d: container(d)["securityContext"].pop("capabilities"),
        f"{CTR}.securityContext.capabilities.drop",
    ),
    (
        "added default capability",
        lambda d: container(d)["securityContext"]["capabilities"].update(add=["CHOWN"]),
        f"{CTR}.securityContext.capabilities.add[0]",
    ),
    (
        "nfs volume",
        lambda d: pod_spec(d)["volumes"].append(
            {"name": "n", "nfs": {"server": "nas", "path": "/x"}}
        ),
        f"{POD}.volumes[1].nfs",
    ),
]


def test_compliant_deployment_passes_restricted() -> None:
    assert findings(deployment()) == []


@pytest.mark.parametrize(
    ("label", "mutate", "path"), BASELINE_CASES, ids=[c[0] for c in BASELINE_CASES]
)
def test_baseline_controls(label: str, mutate: Mutation, path: str) -> None:
    doc = deployment()
    mutate(doc)
    for level in (Level.BASELINE, Level.RESTRICTED):
        paths = [p for p, _ in findings(doc, level)]
        assert path in paths, (label, level, paths)


@pytest.mark.parametrize(
    ("label", "mutate", "path"), RESTRICTED_CASES, ids=[c[0] for c in RESTRICTED_CASES]
)
def test_restricted_controls(label: str, mutate: Mutation, path: str) -> None:
    doc = deployment()
    mutate(doc)
    assert path in [p for p, _ in findings(doc, Level.RESTRICTED)], label
    assert findings(doc, Level.BASELINE) == [], "a restricted-only control leaked into baseline"


def test_init_containers_and_cronjobs_are_checked() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "api"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "initContainers": [{"name": "init", "image": "busybox:1.37"}],
                            "containers": [{"name": "run", "image": "busybox:1.37"}],
                        }
                    }
                }
            },
        },
    }
    paths = [p for p, _ in findings(job)]
    base = "spec.jobTemplate.spec.template.spec"
    assert f"{base}.initContainers[0].securityContext.allowPrivilegeEscalation" in paths
    assert f"{base}.containers[0].securityContext.runAsNonRoot" in paths


def test_message_names_the_control() -> None:
    doc = deployment()
    pod_spec(doc).update(hostNetwork=True)
    (_, message), *_ = findings(doc)
    assert "PSS baseline: Host Namespaces" in message
