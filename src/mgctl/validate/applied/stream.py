"""Per-Application checks started while helm still renders.

As the view absorbs each rendered Application (its `on_app` callback), one background thread
registers the CRDs it installs, compiles the validator of every custom kind both used and
defined by now (strict validation needs the CRD parsed whole and converted), and checks every
Application whose custom kinds all have their CRD: objects (schema, Pod Security, policy),
values keys and component images. Pod Security depends on namespace labels known so far; each
early result records the policies it used, and `check_view` reuses it only when the final
labels are the same (otherwise that Application is checked again; see per_app). With a
cache, an Application whose inputs are unchanged takes its result from the last run
(check_cache).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.crds import summary_of
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.validate.applied import namespaces, per_app
from mgctl.validate.applied.per_app import Early
from mgctl.validate.schemas import SchemaRegistry


class AppChecks:
    def __init__(self, registry: SchemaRegistry, cache: RenderCache | None = None) -> None:
        self.registry = registry
        self.cache = cache
        self.cluster = ClusterInfo.for_version(registry.kubernetes_version)
        self.early: dict[str, Early] = {}
        self._seen: dict[str, RenderedApp] = {}
        self._waiting: list[RenderedApp] = []
        self._compiled: set[tuple[str, str]] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="app-checks")
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def seen(self, rendered: RenderedApp) -> None:
        with self._lock:
            self._pending.append(self._pool.submit(self._absorb, rendered))

    def finish(self) -> dict[str, Early]:
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result()
        self._pool.shutdown()
        return self.early

    def _custom_kinds(self, rendered: RenderedApp) -> set[tuple[str, str]]:
        return {
            (obj.api_version, obj.kind)
            for obj in rendered.objects
            if "." in obj.group and not self.registry.is_builtin(obj.api_version, obj.kind)
        }

    def _ready(self, rendered: RenderedApp) -> bool:
        return all(
            f"{api.rpartition('/')[0]}/{kind}" in self.cluster.custom
            for api, kind in self._custom_kinds(rendered)
        )

    def _absorb(self, rendered: RenderedApp) -> None:
        self.registry.add_crds(rendered.objects)
        for obj in rendered.objects:
            if obj.kind == "CustomResourceDefinition":
                self.cluster.add_crd(summary_of(obj))
        self._seen[rendered.app.name] = rendered
        self.early.pop(rendered.app.name, None)
        self._waiting = [w for w in self._waiting if w.app.name != rendered.app.name]
        self._waiting.append(rendered)
        known = namespaces.collect_from(self._seen.values())
        still = []
        for waiting in self._waiting:
            if self._ready(waiting):
                self.early[waiting.app.name] = self._check(waiting, known)
            else:
                still.append(waiting)
        self._waiting = still
        if self.cache is None:  # else a cached result may spare the compile
            self._compile_for(still)

    def _compile_for(self, waiting: list[RenderedApp]) -> None:
        """The validators the waiting Applications will need, while helm still renders."""
        for api, kind in sorted(set().union(*(self._custom_kinds(w) for w in waiting))):
            if (api, kind) not in self._compiled and self._ready_kind(api, kind):
                self._compiled.add((api, kind))
                self.registry.validator(api, kind)

    def _ready_kind(self, api_version: str, kind: str) -> bool:
        return f"{api_version.rpartition('/')[0]}/{kind}" in self.cluster.custom

    def _check(self, rendered: RenderedApp, known: namespaces.Namespaces) -> Early:
        return per_app.check(rendered, self.registry, known, self.cluster, self.cache, final=False)
