"""Two views of the platform, compared per Application and object."""

from __future__ import annotations

from dataclasses import dataclass, field

from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.diff.objects import Change, Key, comparable, field_changes, object_key
from mgctl.manifests import Manifest


@dataclass
class ObjectDiff:
    key: Key
    status: str  # added, removed, changed
    source: str  # template or file of the head object (base's when removed)
    changes: list[Change] = field(default_factory=list)


@dataclass
class AppDiff:
    name: str
    status: str  # added, removed, changed
    wave: int
    objects: list[ObjectDiff] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # render problems new in head


@dataclass
class PlatformDiff:
    applications: list[AppDiff] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applications)


def _objects(rendered: RenderedApp, view: ArgoView) -> dict[Key, Manifest]:
    return {object_key(obj, rendered, view.cluster): obj for obj in rendered.objects}


def _same(old: Manifest, new: Manifest) -> bool:
    """Cheap equality first: CRDs (kept as text) with the same text, objects with equal bodies."""
    if old.full_text is not None and new.full_text is not None:
        return old.full_text == new.full_text
    return old.full_text is None and new.full_text is None and old.body == new.body


def _problems(rendered: RenderedApp | None) -> list[str]:
    return [message for _, message in rendered.problems] if rendered is not None else []


def compare(base: ArgoView, head: ArgoView, strip_noise: bool = True) -> PlatformDiff:
    before = {a.app.name: a for a in base.apps}
    after = {a.app.name: a for a in head.apps}
    result = PlatformDiff()
    for name in [*after, *(n for n in before if n not in after)]:
        old, new = before.get(name), after.get(name)
        status = "added" if old is None else "removed" if new is None else "changed"
        current = new if new is not None else old
        assert current is not None
        diff = AppDiff(name, status, current.app.wave)
        old_objects = _objects(old, base) if old is not None else {}
        new_objects = _objects(new, head) if new is not None else {}
        for key in sorted(set(old_objects) | set(new_objects)):
            if key not in old_objects:
                diff.objects.append(ObjectDiff(key, "added", new_objects[key].source))
            elif key not in new_objects:
                diff.objects.append(ObjectDiff(key, "removed", old_objects[key].source))
            elif not _same(old_objects[key], new_objects[key]):
                old_body = comparable(old_objects[key], strip_noise)
                new_body = comparable(new_objects[key], strip_noise)
                if old_body != new_body:
                    changes = list(field_changes(old_body, new_body))
                    diff.objects.append(
                        ObjectDiff(key, "changed", new_objects[key].source, changes)
                    )
        diff.problems = [p for p in _problems(new) if p not in _problems(old)]
        if diff.objects or diff.problems or status != "changed":
            result.applications.append(diff)
    return result
