"""Pod Security Standards (baseline and restricted) on every pod template.

Follows the control list of the Kubernetes docs "Pod Security Standards" (current version):
baseline = HostProcess, host namespaces, privileged, capabilities, hostPath volumes, host ports,
host probes/lifecycle hooks, AppArmor, SELinux, /proc mount, seccomp, sysctls; restricted =
baseline + volume types, privilege escalation, running as non-root (and non-root user), seccomp
required, capabilities (drop ALL, add only NET_BIND_SERVICE).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from mgctl.manifests import Finding, Manifest
from mgctl.validate.workloads import (
    ContainerRef,
    PodTemplate,
    containers,
    pod_security_context,
    pod_template,
)

CHECK = "pss"


class Level(StrEnum):
    BASELINE = "baseline"
    RESTRICTED = "restricted"


BASELINE_CAPABILITIES = frozenset(
    [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    ]
)
SAFE_SYSCTLS = frozenset(
    [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ]
)
SELINUX_TYPES = frozenset(
    ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
)
RESTRICTED_VOLUME_TYPES = frozenset(
    [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ]
)
PROBE_FIELDS = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HOOKS = ("postStart", "preStop")


def check_manifest(manifest: Manifest, level: Level = Level.RESTRICTED) -> list[Finding]:
    template = pod_template(manifest)
    if template is None:
        return []
    found = list(_baseline(template))
    if level is Level.RESTRICTED:
        found += list(_restricted(template))
    return [
        manifest.finding(f"{CHECK}-{level.value}", path, f"{message} (PSS {control})")
        for control, path, message in found
    ]


Violation = tuple[str, str, str]  # control, field path, message


def _get(mapping: dict[str, Any], *keys: str) -> Any:
    node: Any = mapping
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _baseline(t: PodTemplate) -> Iterator[Violation]:
    pod_sc = pod_security_context(t)
    if _get(pod_sc, "windowsOptions", "hostProcess") is True:
        yield (
            "baseline: HostProcess",
            t.field("spec.securityContext.windowsOptions.hostProcess"),
            ("Windows HostProcess pods are not allowed: remove hostProcess"),
        )
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if t.spec.get(field) is True:
            yield (
                "baseline: Host Namespaces",
                t.field("spec", field),
                (f"{field}: true shares a host namespace: remove it or set false"),
            )
    for index, volume in enumerate(t.spec.get("volumes") or []):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            yield (
                "baseline: HostPath Volumes",
                t.field("spec", f"volumes[{index}].hostPath"),
                (
                    f"volume {volume.get('name')!r} mounts a host path: "
                    "use a PVC, emptyDir or configMap"
                ),
            )
    yield from _seccomp_baseline(pod_sc, t.field("spec.securityContext.seccompProfile.type"))
    yield from _selinux(pod_sc, t.field("spec.securityContext.seLinuxOptions"))
    yield from _apparmor(pod_sc, t.field("spec.securityContext.appArmorProfile.type"))
    for index, sysctl in enumerate(pod_sc.get("sysctls") or []):
        name = sysctl.get("name") if isinstance(sysctl, dict) else None
        if name not in SAFE_SYSCTLS:
            yield (
                "baseline: Sysctls",
                t.field(f"spec.securityContext.sysctls[{index}].name"),
                (f"sysctl {name!r} is not in the safe set: remove it"),
            )
    for key, value in (t.metadata.get("annotations") or {}).items():
        if str(key).startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or str(value).startswith("localhost/")
        ):
            yield (
                "baseline: AppArmor",
                t.field("metadata.annotations", str(key)),
                (f"AppArmor profile {value!r} is not allowed: use runtime/default or localhost/*"),
            )
    for container in containers(t):
        yield from _container_baseline(container)


def _container_baseline(c: ContainerRef) -> Iterator[Violation]:
    sc = c.security_context
    base = f"{c.path}.securityContext"
    label = f"container {c.name!r}"
    if _get(sc, "windowsOptions", "hostProcess") is True:
        yield (
            "baseline: HostProcess",
            f"{base}.windowsOptions.hostProcess",
            (f"{label}: Windows HostProcess is not allowed"),
        )
    if sc.get("privileged") is True:
        yield (
            "baseline: Privileged Containers",
            f"{base}.privileged",
            (f"{label} is privileged: remove privileged or set false"),
        )
    for index, cap in enumerate(_get(sc, "capabilities", "add") or []):
        if cap not in BASELINE_CAPABILITIES:
            yield (
                "baseline: Capabilities",
                f"{base}.capabilities.add[{index}]",
                (f"{label} adds capability {cap!r}, beyond the default set"),
            )
    for index, port in enumerate(c.body.get("ports") or []):
        if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
            yield (
                "baseline: Host Ports",
                f"{c.path}.ports[{index}].hostPort",
                (f"{label} binds host port {port.get('hostPort')}: remove hostPort, use a Service"),
            )
    yield from _host_handlers(c, label)
    yield from _seccomp_baseline(sc, f"{base}.seccompProfile.type", label)
    yield from _selinux(sc, f"{base}.seLinuxOptions", label)
    yield from _apparmor(sc, f"{base}.appArmorProfile.type", label)
    if sc.get("procMount") not in (None, "Default"):
        yield (
            "baseline: /proc Mount Type",
            f"{base}.procMount",
            (f"{label} uses procMount {sc.get('procMount')!r}: remove it or use Default"),
        )


def _host_handlers(c: ContainerRef, label: str) -> Iterator[Violation]:
    handlers = [(probe, c.body.get(probe)) for probe in PROBE_FIELDS]
    handlers += [(f"lifecycle.{hook}", _get(c.body, "lifecycle", hook)) for hook in LIFECYCLE_HOOKS]
    for where, handler in handlers:
        for action in ("httpGet", "tcpSocket"):
            host = _get(handler, action, "host") if isinstance(handler, dict) else None
            if host not in (None, ""):
                yield (
                    "baseline: Host Probes / Lifecycle Hooks",
                    f"{c.path}.{where}.{action}.host",
                    (f"{label} {where} targets host {host!r}: remove host (the pod IP is used)"),
                )


def _seccomp_baseline(sc: dict[str, Any], path: str, label: str = "pod") -> Iterator[Violation]:
    if _get(sc, "seccompProfile", "type") == "Unconfined":
        yield "baseline: Seccomp", path, f"{label} seccomp profile Unconfined is not allowed"


def _selinux(sc: dict[str, Any], path: str, label: str = "pod") -> Iterator[Violation]:
    options = sc.get("seLinuxOptions")
    if not isinstance(options, dict):
        return
    if options.get("type", "") not in SELINUX_TYPES:
        yield (
            "baseline: SELinux",
            f"{path}.type",
            (f"{label} SELinux type {options.get('type')!r} is not allowed"),
        )
    for field in ("user", "role"):
        if options.get(field, "") != "":
            yield "baseline: SELinux", f"{path}.{field}", f"{label} must not set SELinux {field}"


def _apparmor(sc: dict[str, Any], path: str, label: str = "pod") -> Iterator[Violation]:
    kind = _get(sc, "appArmorProfile", "type")
    if kind not in (None, "RuntimeDefault", "Localhost"):
        yield (
            "baseline: AppArmor",
            path,
            (f"{label} AppArmor profile {kind!r} is not allowed: use RuntimeDefault or Localhost"),
        )


def _restricted(t: PodTemplate) -> Iterator[Violation]:
    pod_sc = pod_security_context(t)
    windows = _get(t.spec, "os", "name") == "windows"
    for index, volume in enumerate(t.spec.get("volumes") or []):
        if not isinstance(volume, dict):
            continue
        kinds = [key for key in volume if key != "name"]
        for kind in kinds:
            if kind not in RESTRICTED_VOLUME_TYPES and kind != "hostPath":  # hostPath: baseline
                yield (
                    "restricted: Volume Types",
                    t.field("spec", f"volumes[{index}].{kind}"),
                    (
                        f"volume {volume.get('name')!r} of type {kind} is not allowed: use "
                        + ", ".join(sorted(RESTRICTED_VOLUME_TYPES))
                    ),
                )
    pod_non_root = pod_sc.get("runAsNonRoot")
    if pod_non_root is False:
        yield (
            "restricted: Running as Non-root",
            t.field("spec.securityContext.runAsNonRoot"),
            ("runAsNonRoot must be true"),
        )
    if pod_sc.get("runAsUser") == 0:
        yield (
            "restricted: Running as Non-root user",
            t.field("spec.securityContext.runAsUser"),
            ("runAsUser 0 is root: use a non-zero UID"),
        )
    pod_seccomp = _get(pod_sc, "seccompProfile", "type")
    all_containers = list(containers(t))
    for c in all_containers:
        yield from _container_restricted(c, pod_non_root is True, pod_seccomp, windows)


def _container_restricted(
    c: ContainerRef, pod_non_root: bool, pod_seccomp: Any, windows: bool
) -> Iterator[Violation]:
    sc = c.security_context
    base = f"{c.path}.securityContext"
    label = f"container {c.name!r}"
    if not windows and sc.get("allowPrivilegeEscalation") is not False:
        yield (
            "restricted: Privilege Escalation",
            f"{base}.allowPrivilegeEscalation",
            (f"{label} must set allowPrivilegeEscalation: false"),
        )
    non_root = sc.get("runAsNonRoot")
    if non_root is False or (non_root is None and not pod_non_root):
        yield (
            "restricted: Running as Non-root",
            f"{base}.runAsNonRoot",
            (f"{label} must run as non-root: set runAsNonRoot: true on the pod or the container"),
        )
    if sc.get("runAsUser") == 0:
        yield (
            "restricted: Running as Non-root user",
            f"{base}.runAsUser",
            (f"{label} runAsUser 0 is root: use a non-zero UID"),
        )
    seccomp = _get(sc, "seccompProfile", "type")
    if not windows and seccomp is None and pod_seccomp not in ("RuntimeDefault", "Localhost"):
        yield (
            "restricted: Seccomp",
            f"{base}.seccompProfile.type",
            (
                f"{label} has no seccomp profile: set seccompProfile.type RuntimeDefault "
                "on the pod or the container"
            ),
        )
    elif seccomp is not None and seccomp not in ("RuntimeDefault", "Localhost"):
        yield (
            "restricted: Seccomp",
            f"{base}.seccompProfile.type",
            (f"{label} seccomp profile {seccomp!r}: use RuntimeDefault or Localhost"),
        )
    if windows:
        return
    drop = _get(sc, "capabilities", "drop") or []
    if "ALL" not in drop:
        yield (
            "restricted: Capabilities",
            f"{base}.capabilities.drop",
            (f"{label} must drop ALL capabilities: capabilities.drop: [ALL]"),
        )
    for index, cap in enumerate(_get(sc, "capabilities", "add") or []):
        if cap != "NET_BIND_SERVICE" and cap in BASELINE_CAPABILITIES:  # others: baseline
            yield (
                "restricted: Capabilities",
                f"{base}.capabilities.add[{index}]",
                (f"{label} may add only NET_BIND_SERVICE, not {cap!r}"),
            )
