"""Pod Security Standards per policy version: each versioned rule on both sides of its gate.

A compliant Deployment (restricted at every version) with one change, checked at the versions
just before and from the one where the library's rule changes (data/pss.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from mgctl.validate import pss
from mgctl.validate.pss import Level

from .builders import deployment, manifests_of, pod_spec

CTR = "spec.template.spec.containers[0]"
POD = "spec.template.spec"


def container(doc: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = pod_spec(doc)["containers"][0]
    return first


def findings(
    doc: dict[str, Any], level: Level | None, version: str | None
) -> list[tuple[str, str]]:
    (manifest,) = manifests_of([doc])
    return [(f.path, f.message) for f in pss.check_manifest(manifest, level, version)]


def paths(doc: dict[str, Any], level: Level | None, version: str | None) -> list[str]:
    return [p for p, _ in findings(doc, level, version)]


def with_sysctl(name: str) -> dict[str, Any]:
    doc = deployment()
    pod_spec(doc)["securityContext"]["sysctls"] = [{"name": name, "value": "1"}]
    return doc


SYSCTL = f"{POD}.securityContext.sysctls[0].name"


@pytest.mark.parametrize(
    ("sysctl", "first"),
    [
        ("net.ipv4.ip_local_reserved_ports", "v1.27"),
        ("net.ipv4.tcp_keepalive_time", "v1.29"),
        ("net.ipv4.tcp_fin_timeout", "v1.29"),
        ("net.ipv4.tcp_rmem", "v1.32"),
        ("net.ipv4.tcp_wmem", "v1.32"),
        ("net.ipv4.tcp_slow_start_after_idle", "v1.37"),
    ],
)
def test_sysctl_safe_from_its_version(sysctl: str, first: str) -> None:
    doc = with_sysctl(sysctl)
    before = f"v1.{int(first.split('.')[1]) - 1}"
    for level in Level:
        assert findings(doc, level, first) == []
        assert findings(doc, level, "latest") == []
        assert findings(doc, level, None) == []
        ((path, message),) = findings(doc, level, before)
        assert path == SYSCTL
        assert f"not in the safe set of policy {before}" in message
        assert f"safe from policy {first}: raise enforce-version" in message


def test_unsafe_sysctl_fails_at_every_version() -> None:
    doc = with_sysctl("kernel.msgmax")
    for version in ("v1.0", "v1.32", "latest"):
        ((path, message),) = findings(doc, Level.BASELINE, version)
        assert path == SYSCTL
        assert message.endswith("remove it (PSS baseline: Sysctls)")


def unmasked(host_users: bool | None) -> dict[str, Any]:
    doc = deployment()
    container(doc)["securityContext"]["procMount"] = "Unmasked"
    if host_users is not None:
        pod_spec(doc)["hostUsers"] = host_users
    return doc


PROC = f"{CTR}.securityContext.procMount"


def test_proc_mount_unmasked_in_a_user_namespace_passes_baseline_from_1_35() -> None:
    doc = unmasked(host_users=False)
    assert findings(doc, Level.BASELINE, "v1.35") == []
    assert findings(doc, Level.BASELINE, "latest") == []
    ((path, message),) = findings(doc, Level.BASELINE, "v1.34")
    assert path == PROC
    assert "policy v1.35+ allows it in a user namespace (spec.hostUsers: false)" in message


def test_proc_mount_unmasked_without_user_namespace_fails_baseline() -> None:
    for host_users in (None, True):
        doc = unmasked(host_users)
        ((path, message),) = findings(doc, Level.BASELINE, "v1.35")
        assert path == PROC
        assert "or run the pod in a user namespace (spec.hostUsers: false)" in message
        assert PROC in paths(doc, Level.BASELINE, "v1.34")


def test_proc_mount_unmasked_fails_restricted_even_in_a_user_namespace() -> None:
    doc = unmasked(host_users=False)
    for version in ("v1.34", "v1.35", "latest"):
        ((path, message),) = findings(doc, Level.RESTRICTED, version)
        assert path == PROC
    assert message.endswith("(PSS restricted: /proc Mount Type)")
    assert "hostUsers" not in message  # no relaxation to offer at restricted


def with_volume(volume: dict[str, Any]) -> dict[str, Any]:
    doc = deployment()
    pod_spec(doc)["volumes"].append({"name": "extra", **volume})
    return doc


def test_image_volume_is_allowed_at_restricted_at_every_version() -> None:
    # check_restrictedVolumes.go has one revision (v1.0); `image` joined its allow list in the
    # library of Kubernetes 1.33 without a version gate.
    doc = with_volume(
        {"image": {"reference": "ghcr.io/acme/models:1.0", "pullPolicy": "IfNotPresent"}}
    )
    for version in ("v1.0", "v1.32", "latest"):
        assert findings(doc, Level.RESTRICTED, version) == []


def test_non_restricted_volume_types_fail_at_every_version() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"nfs": {"server": "nas", "path": "/x"}}, "nfs"),
        ({"gitRepo": {"repository": "https://x"}}, "gitRepo"),
        ({"someFutureSource": {"x": 1}}, "someFutureSource"),
    ]
    for volume, kind in cases:
        doc = with_volume(volume)
        for version in ("v1.0", "latest"):
            ((path, message),) = findings(doc, Level.RESTRICTED, version)
            assert path == f"{POD}.volumes[1].{kind}"
            assert "image" in message  # the allowed types are listed
        assert findings(doc, Level.BASELINE, "latest") == []


def test_volume_without_a_source_is_an_empty_dir() -> None:
    assert findings(with_volume({}), Level.RESTRICTED, "latest") == []


def as_root(host_users: bool | None) -> dict[str, Any]:
    doc = deployment()
    security = pod_spec(doc)["securityContext"]
    security.pop("runAsNonRoot")
    security["runAsUser"] = 0
    if host_users is not None:
        pod_spec(doc)["hostUsers"] = host_users
    return doc


def test_root_in_a_user_namespace_passes_restricted_from_1_35() -> None:
    doc = as_root(host_users=False)
    assert findings(doc, Level.RESTRICTED, "v1.35") == []
    assert findings(doc, Level.RESTRICTED, "latest") == []
    found = paths(doc, Level.RESTRICTED, "v1.34")
    assert f"{POD}.securityContext.runAsUser" in found
    assert f"{CTR}.securityContext.runAsNonRoot" in found


def test_root_outside_a_user_namespace_fails_restricted() -> None:
    doc = as_root(host_users=None)
    (path1, msg1), (path2, _) = findings(doc, Level.RESTRICTED, "latest")
    assert path1 == f"{CTR}.securityContext.runAsNonRoot"
    assert "or run the pod in a user namespace" in msg1
    assert path2 == f"{POD}.securityContext.runAsUser"


def test_run_as_user_zero_is_checked_from_1_23() -> None:
    doc = deployment()
    container(doc)["securityContext"]["runAsUser"] = 0
    assert findings(doc, Level.RESTRICTED, "v1.22") == []
    assert paths(doc, Level.RESTRICTED, "v1.23") == [f"{CTR}.securityContext.runAsUser"]


def test_run_as_user_false_is_not_root() -> None:
    doc = deployment()
    container(doc)["securityContext"]["runAsUser"] = False  # == 0 in Python, not a UID
    assert findings(doc, Level.RESTRICTED, "latest") == []


def test_capabilities_restricted_from_1_22() -> None:
    doc = deployment()
    container(doc)["securityContext"].pop("capabilities")
    assert findings(doc, Level.RESTRICTED, "v1.21") == []
    assert paths(doc, Level.RESTRICTED, "v1.22") == [f"{CTR}.securityContext.capabilities.drop"]


def test_capabilities_are_not_relaxed_in_a_user_namespace() -> None:
    doc = deployment()
    container(doc)["securityContext"].pop("capabilities")
    pod_spec(doc)["hostUsers"] = False
    assert paths(doc, Level.RESTRICTED, "latest") == [f"{CTR}.securityContext.capabilities.drop"]


def test_restricted_capabilities_replace_the_baseline_check_from_1_22() -> None:
    doc = deployment()
    container(doc)["securityContext"]["capabilities"]["add"] = ["SYS_ADMIN"]
    add = f"{CTR}.securityContext.capabilities.add[0]"
    ((path, message),) = findings(doc, Level.RESTRICTED, "v1.21")
    assert (path, message.endswith("(PSS baseline: Capabilities)")) == (add, True)
    ((path, message),) = findings(doc, Level.RESTRICTED, "v1.22")
    assert (path, message.endswith("(PSS restricted: Capabilities)")) == (add, True)
    assert "may add only NET_BIND_SERVICE" in message


def test_seccomp_required_at_restricted_from_1_19() -> None:
    doc = deployment()
    pod_spec(doc)["securityContext"].pop("seccompProfile")
    assert findings(doc, Level.RESTRICTED, "v1.18") == []
    assert paths(doc, Level.RESTRICTED, "v1.19") == [f"{CTR}.securityContext.seccompProfile.type"]


def test_seccomp_baseline_reads_annotations_up_to_1_18_and_fields_from_1_19() -> None:
    annotated = deployment()
    annotations = {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}
    annotated["spec"]["template"]["metadata"]["annotations"] = annotations
    key = "spec.template.metadata.annotations.seccomp.security.alpha.kubernetes.io/pod"
    assert paths(annotated, Level.BASELINE, "v1.18") == [key]
    assert findings(annotated, Level.BASELINE, "v1.19") == []

    fielded = deployment()
    pod_spec(fielded)["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    assert findings(fielded, Level.BASELINE, "v1.18") == []
    assert paths(fielded, Level.BASELINE, "v1.19") == [f"{POD}.securityContext.seccompProfile.type"]


def test_seccomp_container_annotation_allows_runtime_default() -> None:
    doc = deployment()
    doc["spec"]["template"]["metadata"]["annotations"] = {
        "container.seccomp.security.alpha.kubernetes.io/api": "docker/default"
    }
    assert findings(doc, Level.BASELINE, "v1.10") == []


def test_allow_privilege_escalation_from_1_8() -> None:
    doc = deployment()
    container(doc)["securityContext"].pop("allowPrivilegeEscalation")
    assert findings(doc, Level.RESTRICTED, "v1.7") == []
    assert paths(doc, Level.RESTRICTED, "v1.8") == [
        f"{CTR}.securityContext.allowPrivilegeEscalation"
    ]


def windows_pod() -> dict[str, Any]:
    doc = deployment()
    pod_spec(doc)["os"] = {"name": "windows"}
    pod_spec(doc)["securityContext"].pop("seccompProfile")
    container(doc)["securityContext"] = {}
    return doc


def test_windows_pods_exempt_from_linux_controls_from_1_25() -> None:
    doc = windows_pod()
    assert findings(doc, Level.RESTRICTED, "v1.25") == []
    found = paths(doc, Level.RESTRICTED, "v1.24")
    assert f"{CTR}.securityContext.allowPrivilegeEscalation" in found
    assert f"{CTR}.securityContext.seccompProfile.type" in found
    assert f"{CTR}.securityContext.capabilities.drop" in found


def test_windows_pod_still_held_to_baseline_capabilities_at_baseline() -> None:
    # At restricted from v1.25 the (exempted) restricted check replaces the baseline one, as in
    # registry.go; at baseline the baseline check still runs.
    doc = windows_pod()
    container(doc)["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    assert findings(doc, Level.RESTRICTED, "latest") == []
    assert paths(doc, Level.BASELINE, "latest") == [f"{CTR}.securityContext.capabilities.add[0]"]


def test_selinux_container_engine_t_from_1_31() -> None:
    doc = deployment()
    container(doc)["securityContext"]["seLinuxOptions"] = {"type": "container_engine_t"}
    assert findings(doc, Level.BASELINE, "v1.31") == []
    ((path, message),) = findings(doc, Level.BASELINE, "v1.30")
    assert path == f"{CTR}.securityContext.seLinuxOptions.type"
    assert "(allowed from policy v1.31)" in message


def test_host_probes_checked_from_1_34() -> None:
    doc = deployment()
    container(doc)["readinessProbe"]["httpGet"]["host"] = "10.0.0.1"
    assert findings(doc, Level.BASELINE, "v1.33") == []
    assert paths(doc, Level.BASELINE, "v1.34") == [f"{CTR}.readinessProbe.httpGet.host"]


ANNOTATION = "container.apparmor.security.beta.kubernetes.io/api"


@pytest.mark.parametrize("value", ["", "runtime/default", "localhost/acme-api"])
def test_apparmor_annotation_allowed_values(value: str) -> None:
    doc = deployment()
    doc["spec"]["template"]["metadata"]["annotations"] = {ANNOTATION: value}
    assert findings(doc, Level.BASELINE, "latest") == []


def test_apparmor_annotation_unconfined_fails() -> None:
    doc = deployment()
    doc["spec"]["template"]["metadata"]["annotations"] = {ANNOTATION: "unconfined"}
    assert paths(doc, Level.BASELINE, "v1.0") == [
        f"spec.template.metadata.annotations.{ANNOTATION}"
    ]


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [
        ({"type": "RuntimeDefault"}, True),
        ({"type": "Localhost", "localhostProfile": "acme"}, True),
        ({"type": "Unconfined"}, False),
        ({}, False),  # type is required; the library sees "" and refuses it
    ],
)
def test_apparmor_profile_field_on_pod_and_container(
    profile: dict[str, Any], allowed: bool
) -> None:
    contexts: list[tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = [
        (lambda d: pod_spec(d)["securityContext"], f"{POD}.securityContext"),
        (lambda d: container(d)["securityContext"], f"{CTR}.securityContext"),
    ]
    for where, path in contexts:
        doc = deployment()
        where(doc)["appArmorProfile"] = profile
        expected = [] if allowed else [f"{path}.appArmorProfile.type"]
        assert paths(doc, Level.BASELINE, "latest") == expected


# -- versions ------------------------------------------------------------------------------
def test_latest_is_the_newest_version_the_library_defines() -> None:
    newest = pss.newest_version()
    assert newest == "v1.37"
    assert pss.rules(Level.RESTRICTED, "latest") == pss.rules(Level.RESTRICTED, newest)
    assert pss.rules(Level.RESTRICTED, None) == pss.rules(Level.RESTRICTED, newest)


def test_a_version_newer_than_the_newest_is_evaluated_at_the_newest() -> None:
    assert pss.policy_minor("v1.99") == 37
    assert pss.rules(Level.BASELINE, "v1.99") == pss.rules(Level.BASELINE, "latest")


@pytest.mark.parametrize("version", ["1.30", "v1.030", "v2.0", "v1.", "Latest", "v1.30.1", ""])
def test_invalid_version_is_refused(version: str) -> None:
    (manifest,) = manifests_of([deployment()])
    with pytest.raises(pss.PolicyVersionError, match=re.escape('must be "latest" or "v1.x"')):
        pss.check_manifest(manifest, Level.RESTRICTED, version)


def test_privileged_checks_nothing() -> None:
    doc = deployment()
    pod_spec(doc)["hostNetwork"] = True
    assert findings(doc, None, "latest") == []


def test_policy_tables_are_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    (manifest,) = manifests_of([deployment()])
    pss.check_manifest(manifest, Level.RESTRICTED, "v1.30")

    def refuse(*_: Any) -> Any:
        raise AssertionError("policy tables re-read on a check")

    monkeypatch.setattr(yaml, "safe_load", refuse)
    for version in ("v1.30", "v1.12", "latest", None):
        pss.check_manifest(manifest, Level.BASELINE, version)


def test_registry_overrides_apply_only_while_the_restricted_revision_does() -> None:
    for minor in (21, 22, 34, 35):
        restricted = {r.id for r in pss.rules(Level.RESTRICTED, f"v1.{minor}")}
        baseline = {r.id for r in pss.rules(Level.BASELINE, f"v1.{minor}")}
        assert ("capabilities_baseline" in restricted) == (minor < 22)
        assert ("procMount" in restricted) == (minor < 35)
        assert "hostPathVolumes" not in restricted  # restrictedVolumes covers hostPath
        assert {"capabilities_baseline", "procMount", "hostPathVolumes"} <= baseline


# -- namespace labels ----------------------------------------------------------------------
def test_namespace_labels_select_level_and_version() -> None:
    policy = pss.namespace_policy(
        {pss.ENFORCE_LABEL: "baseline", pss.ENFORCE_VERSION_LABEL: "v1.31"}
    )
    assert policy == pss.NamespacePolicy(Level.BASELINE, "v1.31")
    doc = with_sysctl("net.ipv4.tcp_rmem")
    assert paths(doc, policy.level, policy.version) == [SYSCTL]
    assert pss.namespace_policy({pss.ENFORCE_LABEL: "privileged"}).level is None
    assert pss.namespace_policy({}) == pss.NamespacePolicy(Level.RESTRICTED, "latest")
    assert pss.namespace_policy({}, default_level=None).level is None


def test_invalid_enforce_version_falls_back_to_latest_and_is_reported() -> None:
    for raw in ("1.31", 1.31, "v1.031"):
        policy = pss.namespace_policy(
            {pss.ENFORCE_LABEL: "baseline", pss.ENFORCE_VERSION_LABEL: raw}
        )
        assert (policy.level, policy.version) == (Level.BASELINE, "latest")
        (problem,) = policy.problems
        assert problem.label == pss.ENFORCE_VERSION_LABEL
        assert 'must be "latest" or "v1.x"' in problem.message
        assert "evaluates pods of a namespace that already has it at latest" in problem.message


def test_invalid_enforce_level_falls_back_to_restricted_and_is_reported() -> None:
    policy = pss.namespace_policy({pss.ENFORCE_LABEL: "strict"})
    assert policy.level is Level.RESTRICTED
    (problem,) = policy.problems
    assert "must be one of privileged, baseline, restricted" in problem.message


def test_check_namespace_reports_the_label() -> None:
    namespace: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "api",
            "labels": {pss.ENFORCE_LABEL: "restricted", pss.ENFORCE_VERSION_LABEL: "v1.35.0"},
        },
    }
    (manifest,) = manifests_of([namespace])
    (finding,) = pss.check_namespace(manifest)
    assert finding.check == "pss-labels"
    assert finding.path == f"metadata.labels.{pss.ENFORCE_VERSION_LABEL}"
    assert "'v1.35.0'" in finding.message
    namespace["metadata"]["labels"][pss.ENFORCE_VERSION_LABEL] = "v1.35"
    (manifest,) = manifests_of([namespace])
    assert pss.check_namespace(manifest) == []


# -- PodTemplate ---------------------------------------------------------------------------
def pod_template_object() -> dict[str, Any]:
    template = deployment()["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": {"name": "worker", "namespace": "api"},
        "template": template,
    }


def test_pod_template_object_is_checked() -> None:
    doc = pod_template_object()
    assert findings(doc, Level.RESTRICTED, "latest") == []
    doc["template"]["spec"]["hostNetwork"] = True
    doc["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    assert sorted(paths(doc, Level.BASELINE, "latest")) == [
        "template.spec.containers[0].securityContext.privileged",
        "template.spec.hostNetwork",
    ]


def test_pod_template_of_another_group_is_not_a_workload() -> None:
    doc = pod_template_object()
    doc["apiVersion"] = "example.com/v1"
    doc["template"]["spec"]["hostNetwork"] = True
    assert findings(doc, Level.BASELINE, "latest") == []
