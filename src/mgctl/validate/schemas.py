"""Validate Kubernetes objects against the API they will be sent to.

Built-in kinds use the strict JSON schemas bundled in the `kubernetes-validate` package
(`kubernetes_validate/kubernetes-json-schema/v1.N.0-local-strict/_definitions.json`: one file
holding every definition, each top-level kind tagged with `x-kubernetes-group-version-kind`).
That file is loaded once per Kubernetes version; validators are compiled once per kind.
Custom resources use the `openAPIV3Schema` of the pinned CRDs (see `crd_schema`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from mgctl.kube_api import (
    DEFINITIONS_ID,
    UnsupportedKubernetesVersion,
    builtin_definitions,
    bundled_versions,
    parse_kubernetes_version,
    served_builtins,
)
from mgctl.manifests import Finding, Manifest, json_path
from mgctl.validate.crd_index import CrdIndex
from mgctl.validate.crd_schema import prune_nulls
from mgctl.validate.fast_schema import Check, Compiler, Unsupported

CHECK = "schema"


class SchemaRegistry:
    """Validators for built-in kinds of one Kubernetes version plus the CRDs in `crd_dirs`."""

    def __init__(self, kubernetes_version: str, crd_dirs: Sequence[Path] = ()) -> None:
        self.major, self.minor = parse_kubernetes_version(kubernetes_version)
        self.kubernetes_version = f"{self.major}.{self.minor}"
        self._definitions = builtin_definitions(self.major, self.minor)
        self._builtins = served_builtins(self._definitions)
        self._registry: Registry[Any] = Registry().with_resource(
            DEFINITIONS_ID, Resource.from_contents(self._definitions)
        )
        self.crds = CrdIndex(crd_dirs)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}
        self._fast: dict[tuple[str, str], Check | None] = {}
        self._compiler = Compiler(self._resolve_ref)
        self._lock = threading.RLock()
        self._added: set[tuple[str, int, str]] = set()  # CRD manifests already registered

    def _resolve_ref(self, ref: str) -> dict[str, Any]:
        base, _, name = ref.partition("#/$defs/")
        if not name or base not in ("", DEFINITIONS_ID, "/api/_definitions.json"):
            raise Unsupported(f"$ref {ref}")
        definition: dict[str, Any] = self._definitions["$defs"][name]
        return definition

    # -- lookup ---------------------------------------------------------------------------
    def is_builtin(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self._builtins

    def kind_fingerprint(self, api_version: str, kind: str) -> str:
        """Identifies what validating this kind depends on: the bundled built-in schema, or
        the CRD documents defining it (also their absence, and what a miss would suggest)."""
        if self.is_builtin(api_version, kind):
            return f"builtin {self.kubernetes_version}"
        definition = self.crds.get(api_version.rpartition("/")[0], kind)
        served = [av for (av, k) in self._builtins if k == kind]
        schema_dirs = bool(self.crds.files)
        shown = definition.fingerprint() if definition is not None else "none"
        return f"custom {shown} dirs={schema_dirs} builtin-versions={served}"

    def is_served(self, api_version: str, kind: str) -> bool:
        return self.validator(api_version, kind) is not None

    def add_crds(self, manifests: Iterable[Manifest]) -> None:
        """Make CRDs that are part of the validated set serve their kinds too (a CRD read as a
        summary, see mgctl.argocd.crds, is parsed whole only when its kind is validated)."""
        for manifest in manifests:
            if manifest.kind == "CustomResourceDefinition":
                identity = (manifest.source, manifest.doc_index, manifest.name)
                with self._lock:
                    if identity in self._added:
                        continue
                    self._added.add(identity)
                if manifest.full_text is not None:
                    spec = manifest.body.get("spec") or {}
                    kind = str((spec.get("names") or {}).get("kind", ""))
                    self.crds.add_text(
                        str(spec.get("group", "")), kind, manifest.full_text, manifest.source
                    )
                else:
                    self.crds.add_body(manifest.body, manifest.source)
                with self._lock:
                    self._validators = {
                        key: value for key, value in self._validators.items() if value is not None
                    }
                    self._fast = {key: self._fast[key] for key in self._validators}

    def validator(self, api_version: str, kind: str) -> Draft202012Validator | None:
        key = (api_version, kind)
        with self._lock:
            if key not in self._validators:
                compiled = self._compile(api_version, kind)
                self._validators[key] = compiled
                self._fast[key] = self._fast_check(compiled)
            return self._validators[key]

    def _fast_check(self, validator: Draft202012Validator | None) -> Check | None:
        if validator is None:
            return None
        try:
            return self._compiler.compile(validator.schema)
        except Unsupported:
            return None

    def _compile(self, api_version: str, kind: str) -> Draft202012Validator | None:
        name = self._builtins.get((api_version, kind))
        if name is not None:
            schema = {"$ref": f"{DEFINITIONS_ID}#/$defs/{name}"}
            return Draft202012Validator(schema, registry=self._registry)
        group, _, version = api_version.rpartition("/")
        definition = self.crds.get(group, kind) if group else None
        if definition is None:
            return None
        served = definition.schemas().get(version)
        if served is None:
            return None
        return Draft202012Validator(served, registry=self._registry)

    def served_versions(self, group: str, kind: str) -> list[str]:
        """apiVersions under which `kind` is served (for hints)."""
        found = [av for (av, k) in self._builtins if k == kind and av.rpartition("/")[0] == group]
        definition = self.crds.get(group, kind)
        if definition is not None:
            found += [f"{group}/{v}" for v in definition.versions()]
        return sorted(found)

    # -- validation -----------------------------------------------------------------------
    def validate(self, manifest: Manifest) -> list[Finding]:
        validator = self.validator(manifest.api_version, manifest.kind)
        if validator is None:
            return [self._not_served(manifest)]
        builtin = self.is_builtin(manifest.api_version, manifest.kind)
        instance = manifest.body if builtin else prune_nulls(manifest.body)
        if self._fast_accepts((manifest.api_version, manifest.kind), instance):
            return []
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
        return [self._finding(manifest, error) for error in errors]

    def _fast_accepts(self, key: tuple[str, str], instance: Any) -> bool:
        fast = self._fast.get(key)
        if fast is None:
            return False
        try:
            return fast(instance)
        except Unsupported:
            with self._lock:
                self._fast[key] = None  # jsonschema alone for this kind from now on
            return False

    def _not_served(self, manifest: Manifest) -> Finding:
        message = (
            f"apiVersion {manifest.api_version} kind {manifest.kind} is not served by "
            f"Kubernetes {self.kubernetes_version} or any pinned CRD"
        )
        alternatives = self.served_versions(manifest.group, manifest.kind)
        if alternatives:
            message += (
                f"; served: {', '.join(alternatives)}. Fix: use apiVersion {alternatives[-1]}"
            )
        elif self.crds.files or manifest.group:
            message += (
                ". Fix: use a served apiVersion, or add the CRD to the schema dir (--schemas; "
                "`mgctl schemas fetch` downloads the pinned ones)"
            )
        return manifest.finding(CHECK, "apiVersion", message)

    def _finding(self, manifest: Manifest, error: ValidationError) -> Finding:
        error = _most_specific(error)
        path = list(error.absolute_path)
        message = _describe(error, manifest.kind, self.kubernetes_version)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            unknown = _unexpected_fields(error)
            if len(unknown) == 1:
                path.append(unknown[0])
        return manifest.finding(CHECK, json_path(path), message)


def _most_specific(error: ValidationError) -> ValidationError:
    if error.validator in ("oneOf", "anyOf") and error.context:
        return best_match(error.context)
    return error


def _unexpected_fields(error: ValidationError) -> list[str]:
    allowed = (
        set((error.schema or {}).get("properties") or {})
        if isinstance(error.schema, dict)
        else set()
    )
    return sorted(str(key) for key in error.instance if key not in allowed)


def _describe(error: ValidationError, kind: str, kube_version: str) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        unknown = _unexpected_fields(error)
        names = ", ".join(repr(u) for u in unknown)
        return (
            f"unknown field{'s' if len(unknown) != 1 else ''} {names} "
            f"(not in the {kind} schema for Kubernetes {kube_version}/pinned CRDs): "
            "fix the spelling or the indentation, or remove it"
        )
    if error.validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(t for t in expected if t != "null")
        return f"expected {expected}, got {type(error.instance).__name__} {error.instance!r}"
    if error.validator == "required":
        return f"{error.message} (required field)"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value if v is not None)
        return f"{error.instance!r} is not one of {allowed}"
    return str(error.message)


__all__ = [
    "SchemaRegistry",
    "UnsupportedKubernetesVersion",
    "bundled_versions",
    "parse_kubernetes_version",
]
