"""Prepare the schemas of custom resources while helm still renders.

Strict validation of a custom resource needs its CRD parsed whole and converted (the platform
validates ~30 kinds whose CRDs total several MB of YAML). The view renders Applications over
several seconds; as each is absorbed, this registers its CRDs and compiles the validator of
every custom kind both seen in some object and defined by some CRD, on one background thread,
so the checks after the view find them ready."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from mgctl.argocd.repo_server import RenderedApp
from mgctl.validate.schemas import SchemaRegistry


class SchemaWarmup:
    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema-warmup")
        self._used: set[tuple[str, str]] = set()  # (apiVersion, kind) of custom objects
        self._defined: set[tuple[str, str]] = set()  # (group, kind) with a registered CRD
        self._compiled: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._pending: list[Future[None]] = []

    def seen(self, rendered: RenderedApp) -> None:
        self._pending.append(self._pool.submit(self._absorb, rendered))

    def _absorb(self, rendered: RenderedApp) -> None:
        self.registry.add_crds(rendered.objects)
        for obj in rendered.objects:
            if obj.kind == "CustomResourceDefinition":
                spec = obj.body.get("spec") or {}
                kind = str((spec.get("names") or {}).get("kind", ""))
                self._defined.add((str(spec.get("group", "")), kind))
            elif "." in obj.group and not self.registry.is_builtin(obj.api_version, obj.kind):
                self._used.add((obj.api_version, obj.kind))
        for api_version, kind in sorted(self._used - self._compiled):
            if (api_version.rpartition("/")[0], kind) in self._defined:
                self._compiled.add((api_version, kind))
                self.registry.validator(api_version, kind)

    def finish(self) -> None:
        for future in self._pending:
            future.result()
        self._pool.shutdown()
