"""Pod Security Standards (baseline, restricted) on every pod template, at a policy version.

Mirrors the Kubernetes Pod Security admission library (k8s.io/pod-security-admission):
- the checks of `policy/check_*.go`, one function each below, and their revisions per policy
  version (`data/pss.yaml`: from which `v1.N` each revision applies);
- the registry (`policy/registry.go`): a check revision applies from its version up to the next
  one's; at restricted every baseline check runs too unless a restricted revision overrides it;
  a version newer than the newest defined, and "latest", are evaluated at the newest;
- the namespace labels (`api/helpers.go`: `ParseLevel`, `ParseVersion`, `PolicyToEvaluate`).
Where the library reports one result per check, this reports one finding per offending field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from mgctl.manifests import Finding, Manifest
from mgctl.validate.workloads import (
    ContainerRef,
    PodTemplate,
    containers,
    pod_security_context,
    pod_template,
)

CHECK = "pss"
LABELS_CHECK = "pss-labels"
LATEST = "latest"
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"
# api/helpers.go versionRegexp
_VERSION = re.compile(r"v1\.([0-9]|[1-9][0-9]*)")


class Level(StrEnum):
    BASELINE = "baseline"
    RESTRICTED = "restricted"


class PolicyVersionError(ValueError):
    """A policy version that is neither "latest" nor "v1.N"."""


# -- the policy tables (data/pss.yaml) ----------------------------------------------------
class Revision(BaseModel):
    """One VersionedCheck of an upstream check: what changes from policy version v1.<since>."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: int
    allow: tuple[str, ...] = ()
    exempt_windows: bool = False
    relax_user_namespaces: bool = False
    form: Literal["annotations", "fields"] | None = None
    overrides: tuple[str, ...] = ()


class CheckSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Level
    control: str
    revisions: tuple[Revision, ...]

    @model_validator(mode="after")
    def _increasing(self) -> CheckSpec:
        versions = [r.since for r in self.revisions]
        if not versions or versions != sorted(set(versions)):
            raise ValueError(f"revisions must be strictly increasing, got {versions}")
        return self

    def allowed_from(self, value: str) -> int | None:
        """The first policy version whose allow list holds `value`."""
        return next((r.since for r in self.revisions if value in r.allow), None)

    def relaxed_from(self) -> int | None:
        """The first policy version that relaxes this check for user-namespace pods."""
        return next((r.since for r in self.revisions if r.relax_user_namespaces), None)


class PolicyTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    checks: dict[str, CheckSpec]


@dataclass(frozen=True)
class Rule:
    """One check as it applies at one policy version (`at` = the minor of v1.N)."""

    id: str
    spec: CheckSpec
    revision: Revision
    allowed: frozenset[str]  # this revision's allow list plus every earlier one's
    at: int
    run: CheckFn

    @property
    def control(self) -> str:
        return f"{self.spec.level.value}: {self.spec.control}"


@dataclass(frozen=True)
class Pod:
    """What every check reads from one pod template, computed once."""

    template: PodTemplate
    security_context: dict[str, Any]
    annotations: dict[str, Any]
    containers: tuple[ContainerRef, ...]
    windows: bool  # spec.os.name: windows
    user_namespace: bool  # spec.hostUsers: false

    @classmethod
    def of(cls, template: PodTemplate) -> Pod:
        annotations = template.metadata.get("annotations")
        return cls(
            template=template,
            security_context=pod_security_context(template),
            annotations=annotations if isinstance(annotations, dict) else {},
            # policy/visitor.go visitContainers: init, regular and ephemeral containers
            containers=tuple(containers(template)),
            windows=_get(template.spec, "os", "name") == "windows",
            user_namespace=template.spec.get("hostUsers") is False,
        )


Violation = tuple[str, str]  # field path, message
CheckFn = Callable[[Pod, Rule], Iterator[Violation]]


# -- public API ---------------------------------------------------------------------------
def check_manifest(
    manifest: Manifest, level: Level | None = Level.RESTRICTED, version: str | None = None
) -> list[Finding]:
    """Findings of a workload's pod template at `level` (None: privileged, nothing checked) and
    policy `version` ("latest", "v1.N"; None = latest), as the namespace's `enforce` and
    `enforce-version` labels select them. Raises PolicyVersionError for another version."""
    if level is None:
        return []
    template = pod_template(manifest)
    if template is None:
        return []
    pod = Pod.of(template)
    check = f"{CHECK}-{level.value}"
    return [
        manifest.finding(check, path, f"{message} (PSS {rule.control})")
        for rule in rules(level, version)
        for path, message in rule.run(pod, rule)
    ]


def newest_version() -> str:
    """The newest policy version the library defines, which "latest" means."""
    return f"v1.{_policy().newest}"


def policy_minor(version: str | None) -> int:
    """The minor N of the policy version v1.N that `version` is evaluated at."""
    newest = _policy().newest
    if version is None or version == LATEST:
        return newest
    match = _VERSION.fullmatch(version)
    if match is None:
        raise PolicyVersionError(f'policy version {version!r}: must be "latest" or "v1.x"')
    return min(int(match.group(1)), newest)


@cache
def rules(level: Level, version: str | None = None) -> tuple[Rule, ...]:
    """The checks `level` runs at policy `version`."""
    return _policy().rules[level, policy_minor(version)]


@dataclass(frozen=True)
class LabelProblem:
    label: str
    value: str
    message: str


@dataclass(frozen=True)
class NamespacePolicy:
    """The enforced Pod Security level and version of a namespace, as the API server reads its
    labels. `level` None is privileged (nothing checked); `version` is "latest" or "v1.N"."""

    level: Level | None
    version: str = LATEST
    problems: tuple[LabelProblem, ...] = ()


def namespace_policy(
    labels: Mapping[str, object],
    default_level: Level | None = Level.RESTRICTED,
    default_version: str = LATEST,
) -> NamespacePolicy:
    """The enforce level and version of a namespace with these labels.

    Unlabelled, the defaults apply: the API server's come from its AdmissionConfiguration
    (privileged/latest unless configured); mgctl's checks default to restricted. A label the API
    server cannot parse is a problem: it refuses to create a Namespace carrying it
    (admission.go ValidateNamespace) and, where one already exists, evaluates pods at
    restricted (invalid level) or latest (invalid version), as api/helpers.go PolicyToEvaluate
    does; so does this."""
    level = default_level
    version = default_version
    problems: list[LabelProblem] = []
    if ENFORCE_LABEL in labels:
        raw = labels[ENFORCE_LABEL]
        if raw == "privileged":
            level = None
        elif raw in (Level.BASELINE.value, Level.RESTRICTED.value):
            level = Level(str(raw))
        else:
            level = Level.RESTRICTED
            problems.append(
                LabelProblem(
                    ENFORCE_LABEL,
                    str(raw),
                    f"{ENFORCE_LABEL}: {raw!r} must be one of privileged, baseline, restricted; "
                    "the API server refuses the Namespace, and evaluates pods of a namespace "
                    "that already has it at restricted",
                )
            )
    if ENFORCE_VERSION_LABEL in labels:
        raw = labels[ENFORCE_VERSION_LABEL]
        if isinstance(raw, str) and (raw == LATEST or _VERSION.fullmatch(raw)):
            version = raw
        else:
            version = LATEST
            problems.append(
                LabelProblem(
                    ENFORCE_VERSION_LABEL,
                    str(raw),
                    f'{ENFORCE_VERSION_LABEL}: {raw!r} must be "latest" or "v1.x" (a quoted '
                    f'string, e.g. "{newest_version()}"); the API server refuses the Namespace, '
                    "and evaluates pods of a namespace that already has it at latest",
                )
            )
    return NamespacePolicy(level, version, tuple(problems))


def check_namespace(manifest: Manifest) -> list[Finding]:
    """Findings for Pod Security labels of a Namespace that the API server cannot parse."""
    if manifest.kind != "Namespace" or manifest.group != "":
        return []
    labels = _get(manifest.body, "metadata", "labels")
    policy = namespace_policy(labels if isinstance(labels, dict) else {})
    return [
        manifest.finding(LABELS_CHECK, f"metadata.labels.{p.label}", p.message)
        for p in policy.problems
    ]


# -- the checks (policy/check_<id>.go) ----------------------------------------------------
def _get(mapping: Any, *keys: str) -> Any:
    node: Any = mapping
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _label(c: ContainerRef) -> str:
    return f"container {c.name!r}"


def _sc_path(c: ContainerRef) -> str:
    return f"{c.path}.securityContext"


def _is_root(uid: Any) -> bool:
    return type(uid) is int and uid == 0


def _userns_hint(rule: Rule) -> str:
    since = rule.spec.relaxed_from()
    if since is None:
        return ""
    if rule.at >= since:
        return ", or run the pod in a user namespace (spec.hostUsers: false)"
    return f"; policy v1.{since}+ allows it in a user namespace (spec.hostUsers: false)"


def _later_hint(rule: Rule, value: str) -> str:
    since = rule.spec.allowed_from(value)
    return f" (allowed from policy v1.{since})" if since is not None else ""


def windows_host_process(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if _get(pod.security_context, "windowsOptions", "hostProcess") is True:
        yield (
            pod.template.field("spec.securityContext.windowsOptions.hostProcess"),
            "Windows HostProcess pods are not allowed: remove hostProcess",
        )
    for c in pod.containers:
        if _get(c.security_context, "windowsOptions", "hostProcess") is True:
            yield (
                f"{_sc_path(c)}.windowsOptions.hostProcess",
                f"{_label(c)}: Windows HostProcess is not allowed: remove hostProcess",
            )


def host_namespaces(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.template.spec.get(field) is True:
            yield (
                pod.template.field("spec", field),
                f"{field}: true shares a host namespace: remove it or set false",
            )


def privileged(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for c in pod.containers:
        if c.security_context.get("privileged") is True:
            yield (
                f"{_sc_path(c)}.privileged",
                f"{_label(c)} is privileged: remove privileged or set false",
            )


def capabilities_baseline(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for c in pod.containers:
        for index, cap in enumerate(_get(c.security_context, "capabilities", "add") or []):
            if cap not in rule.allowed:
                yield (
                    f"{_sc_path(c)}.capabilities.add[{index}]",
                    f"{_label(c)} adds capability {cap!r}, beyond the default set: remove it",
                )


def host_path_volumes(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for index, volume in enumerate(pod.template.spec.get("volumes") or []):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            yield (
                pod.template.field("spec", f"volumes[{index}].hostPath"),
                f"volume {volume.get('name')!r} mounts a host path: use a PVC, emptyDir or "
                "configMap",
            )


def host_ports(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for c in pod.containers:
        for index, port in enumerate(c.body.get("ports") or []):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                yield (
                    f"{c.path}.ports[{index}].hostPort",
                    f"{_label(c)} binds host port {port.get('hostPort')}: remove hostPort, "
                    "use a Service",
                )


PROBE_FIELDS = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HOOKS = ("postStart", "preStop")


def host_probes_and_host_lifecycle(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for c in pod.containers:
        handlers = [(probe, c.body.get(probe)) for probe in PROBE_FIELDS]
        handlers += [(f"lifecycle.{h}", _get(c.body, "lifecycle", h)) for h in LIFECYCLE_HOOKS]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                host = _get(handler, action, "host")
                if host not in (None, ""):
                    yield (
                        f"{c.path}.{where}.{action}.host",
                        f"{_label(c)} {where} targets host {host!r}: remove host (the pod IP "
                        "is used)",
                    )


APPARMOR_TYPES = frozenset(["RuntimeDefault", "Localhost"])
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def app_armor_profile(pod: Pod, rule: Rule) -> Iterator[Violation]:
    setters = [("pod", pod.template.field("spec.securityContext"), pod.security_context)]
    setters += [(_label(c), _sc_path(c), c.security_context) for c in pod.containers]
    for who, path, sc in setters:
        profile = sc.get("appArmorProfile")
        if isinstance(profile, dict) and profile.get("type", "") not in APPARMOR_TYPES:
            yield (
                f"{path}.appArmorProfile.type",
                f"{who} AppArmor profile {profile.get('type')!r} is not allowed: use "
                "RuntimeDefault or Localhost",
            )
    for key, value in pod.annotations.items():
        text = "" if value is None else str(value)
        if str(key).startswith(APPARMOR_ANNOTATION) and not (
            text in ("", "runtime/default") or text.startswith("localhost/")
        ):
            yield (
                pod.template.field("metadata.annotations", str(key)),
                f"AppArmor profile {text!r} is not allowed: use runtime/default or localhost/*",
            )


def se_linux_options(pod: Pod, rule: Rule) -> Iterator[Violation]:
    setters = [("pod", pod.template.field("spec.securityContext"), pod.security_context)]
    setters += [(_label(c), _sc_path(c), c.security_context) for c in pod.containers]
    for who, path, sc in setters:
        options = sc.get("seLinuxOptions")
        if not isinstance(options, dict):
            continue
        kind = options.get("type") or ""
        if kind not in rule.allowed:
            yield (
                f"{path}.seLinuxOptions.type",
                f"{who} SELinux type {kind!r} is not allowed{_later_hint(rule, kind)}: use "
                + ", ".join(sorted(t for t in rule.allowed if t))
                + " or none",
            )
        for field in ("user", "role"):
            if options.get(field):
                yield (
                    f"{path}.seLinuxOptions.{field}",
                    f"{who} must not set SELinux {field}: remove it",
                )


def proc_mount(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.relax_user_namespaces and pod.user_namespace:
        return
    for c in pod.containers:
        value = c.security_context.get("procMount")
        if value not in (None, "Default"):
            yield (
                f"{_sc_path(c)}.procMount",
                f"{_label(c)} uses procMount {value!r}: remove it or use Default"
                + _userns_hint(rule),
            )


SECCOMP_TYPES = frozenset(["RuntimeDefault", "Localhost"])
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"


def seccomp_profile_baseline(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.form == "annotations":  # v1.0 - v1.18
        keys = [SECCOMP_POD_ANNOTATION]
        keys += [SECCOMP_CONTAINER_ANNOTATION + c.name for c in pod.containers]
        for key in keys:
            if key not in pod.annotations:
                continue
            value = str(pod.annotations[key] or "")
            if value not in ("runtime/default", "docker/default") and not value.startswith(
                "localhost/"
            ):
                yield (
                    pod.template.field("metadata.annotations", key),
                    f"seccomp annotation {value!r} is not allowed: use runtime/default or "
                    "localhost/*",
                )
        return
    setters = [("pod", pod.template.field("spec.securityContext"), pod.security_context)]
    setters += [(_label(c), _sc_path(c), c.security_context) for c in pod.containers]
    for who, path, sc in setters:
        profile = sc.get("seccompProfile")
        if isinstance(profile, dict) and profile.get("type") not in SECCOMP_TYPES:
            yield (
                f"{path}.seccompProfile.type",
                f"{who} seccomp profile {profile.get('type')!r} is not allowed: use "
                "RuntimeDefault or Localhost",
            )


def sysctls(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for index, sysctl in enumerate(pod.security_context.get("sysctls") or []):
        name = sysctl.get("name") if isinstance(sysctl, dict) else None
        if name not in rule.allowed:
            later = rule.spec.allowed_from(str(name))
            fix = (
                f"it is safe from policy v1.{later}: raise enforce-version or remove it"
                if later is not None
                else "remove it"
            )
            yield (
                pod.template.field(f"spec.securityContext.sysctls[{index}].name"),
                f"sysctl {name!r} is not in the safe set of policy v1.{rule.at}: {fix}",
            )


def restricted_volumes(pod: Pod, rule: Rule) -> Iterator[Violation]:
    for index, volume in enumerate(pod.template.spec.get("volumes") or []):
        if not isinstance(volume, dict):
            continue
        # A volume without a source is defaulted to emptyDir by the API server.
        sources = [k for k, v in volume.items() if k != "name" and v is not None]
        if any(source in rule.allowed for source in sources):
            continue
        for source in sources:
            yield (
                pod.template.field("spec", f"volumes[{index}].{source}"),
                f"volume {volume.get('name')!r} of type {source} is not allowed: use "
                + ", ".join(sorted(rule.allowed)),
            )


def allow_privilege_escalation(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.exempt_windows and pod.windows:
        return
    for c in pod.containers:
        if c.security_context.get("allowPrivilegeEscalation") is not False:
            yield (
                f"{_sc_path(c)}.allowPrivilegeEscalation",
                f"{_label(c)} must set allowPrivilegeEscalation: false",
            )


def run_as_non_root(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.relax_user_namespaces and pod.user_namespace:
        return
    hint = _userns_hint(rule)
    pod_value = pod.security_context.get("runAsNonRoot")
    if pod_value is False:
        yield (
            pod.template.field("spec.securityContext.runAsNonRoot"),
            f"runAsNonRoot must be true{hint}",
        )
    for c in pod.containers:
        value = c.security_context.get("runAsNonRoot")
        if value is False or (value is None and pod_value is not True):
            yield (
                f"{_sc_path(c)}.runAsNonRoot",
                f"{_label(c)} must run as non-root: set runAsNonRoot: true on the pod or the "
                f"container{hint}",
            )


def run_as_user(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.relax_user_namespaces and pod.user_namespace:
        return
    hint = _userns_hint(rule)
    if _is_root(pod.security_context.get("runAsUser")):
        yield (
            pod.template.field("spec.securityContext.runAsUser"),
            f"runAsUser 0 is root: use a non-zero UID{hint}",
        )
    for c in pod.containers:
        if _is_root(c.security_context.get("runAsUser")):
            yield (
                f"{_sc_path(c)}.runAsUser",
                f"{_label(c)} runAsUser 0 is root: use a non-zero UID{hint}",
            )


def seccomp_profile_restricted(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.exempt_windows and pod.windows:
        return
    pod_set = False
    profile = pod.security_context.get("seccompProfile")
    if isinstance(profile, dict):
        if profile.get("type") in SECCOMP_TYPES:
            pod_set = True
        else:
            yield (
                pod.template.field("spec.securityContext.seccompProfile.type"),
                f"pod seccomp profile {profile.get('type')!r}: use RuntimeDefault or Localhost",
            )
    for c in pod.containers:
        profile = c.security_context.get("seccompProfile")
        if isinstance(profile, dict):
            if profile.get("type") not in SECCOMP_TYPES:
                yield (
                    f"{_sc_path(c)}.seccompProfile.type",
                    f"{_label(c)} seccomp profile {profile.get('type')!r}: use RuntimeDefault "
                    "or Localhost",
                )
        elif not pod_set:
            yield (
                f"{_sc_path(c)}.seccompProfile.type",
                f"{_label(c)} has no seccomp profile: set seccompProfile.type RuntimeDefault "
                "on the pod or the container",
            )


def capabilities_restricted(pod: Pod, rule: Rule) -> Iterator[Violation]:
    if rule.revision.exempt_windows and pod.windows:
        return
    for c in pod.containers:
        capabilities = c.security_context.get("capabilities")
        capabilities = capabilities if isinstance(capabilities, dict) else {}
        if "ALL" not in (capabilities.get("drop") or []):
            yield (
                f"{_sc_path(c)}.capabilities.drop",
                f"{_label(c)} must drop ALL capabilities: capabilities.drop: [ALL]",
            )
        for index, cap in enumerate(capabilities.get("add") or []):
            if cap not in rule.allowed:
                yield (
                    f"{_sc_path(c)}.capabilities.add[{index}]",
                    f"{_label(c)} may add only {', '.join(sorted(rule.allowed))}, not {cap!r}",
                )


CHECKS: dict[str, CheckFn] = {
    "windowsHostProcess": windows_host_process,
    "hostNamespaces": host_namespaces,
    "privileged": privileged,
    "capabilities_baseline": capabilities_baseline,
    "hostPathVolumes": host_path_volumes,
    "hostPorts": host_ports,
    "hostProbesAndHostLifecycle": host_probes_and_host_lifecycle,
    "appArmorProfile": app_armor_profile,
    "seLinuxOptions": se_linux_options,
    "procMount": proc_mount,
    "seccompProfile_baseline": seccomp_profile_baseline,
    "sysctls": sysctls,
    "restrictedVolumes": restricted_volumes,
    "allowPrivilegeEscalation": allow_privilege_escalation,
    "runAsNonRoot": run_as_non_root,
    "runAsUser": run_as_user,
    "seccompProfile_restricted": seccomp_profile_restricted,
    "capabilities_restricted": capabilities_restricted,
    "procMount_restricted": proc_mount,
}


# -- the registry (policy/registry.go) ----------------------------------------------------
@dataclass(frozen=True)
class Policy:
    newest: int
    rules: dict[tuple[Level, int], tuple[Rule, ...]]


def load_table() -> PolicyTable:
    text = resources.files("mgctl.validate").joinpath("data/pss.yaml").read_text("utf-8")
    table = PolicyTable.model_validate(yaml.safe_load(text))
    if set(table.checks) != set(CHECKS):
        raise RuntimeError(
            f"data/pss.yaml and mgctl.validate.pss disagree on the checks: "
            f"{sorted(set(table.checks) ^ set(CHECKS))}"
        )
    return table


@cache
def _policy() -> Policy:
    return build_policy(load_table())


def build_policy(table: PolicyTable) -> Policy:
    newest = max(spec.revisions[-1].since for spec in table.checks.values())
    built: dict[tuple[Level, int], tuple[Rule, ...]] = {}
    for version in range(newest + 1):
        active = {
            check_id: rule
            for check_id, spec in table.checks.items()
            if (rule := _rule_at(check_id, spec, version)) is not None
        }
        baseline = [r for r in active.values() if r.spec.level is Level.BASELINE]
        restricted = [r for r in active.values() if r.spec.level is Level.RESTRICTED]
        overridden = {check_id for r in restricted for check_id in r.revision.overrides}
        built[Level.BASELINE, version] = tuple(baseline)
        built[Level.RESTRICTED, version] = tuple(
            [r for r in baseline if r.id not in overridden] + restricted
        )
    return Policy(newest, built)


def _rule_at(check_id: str, spec: CheckSpec, version: int) -> Rule | None:
    applying = [r for r in spec.revisions if r.since <= version]
    if not applying:
        return None
    allowed = frozenset(value for r in applying for value in r.allow)
    return Rule(check_id, spec, applying[-1], allowed, version, CHECKS[check_id])
