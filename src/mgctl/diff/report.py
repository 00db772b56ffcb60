"""A PlatformDiff as text (terminal, CI log), Markdown (one PR comment) or JSON."""

from __future__ import annotations

import json
from typing import Any

from mgctl.diff.compare import AppDiff, ObjectDiff, PlatformDiff
from mgctl.diff.objects import Change, show_key

MARK = {"added": "+", "removed": "-", "changed": "~"}
VALUE_LIMIT = 200


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _change(change: Change) -> str:
    return f"{change.path}: {_value(change.before)} -> {_value(change.after)}"


def _counts(diff: PlatformDiff) -> str:
    objects = [o for a in diff.applications for o in a.objects]
    counts = {s: sum(o.status == s for o in objects) for s in ("added", "changed", "removed")}
    apps = len(diff.applications)
    return (
        f"{apps} Application{'s' if apps != 1 else ''}: {counts['added']} objects added, "
        f"{counts['changed']} changed, {counts['removed']} removed"
    )


def _app_title(app: AppDiff) -> str:
    suffix = "" if app.status == "changed" else f" ({app.status})"
    return f"{MARK[app.status]} Application {app.name} (wave {app.wave}){suffix}"


def _object_lines(obj: ObjectDiff) -> list[str]:
    lines = [f"{MARK[obj.status]} {show_key(obj.key)}  [{obj.source}]"]
    lines += [f"    {_change(c)}" for c in obj.changes]
    return lines


def text(diff: PlatformDiff) -> str:
    if not diff.changed:
        return "no changes: the cluster would get exactly the same objects\n"
    lines = []
    for app in diff.applications:
        lines.append(_app_title(app))
        for problem in app.problems:
            lines.append(f"  ! {problem}")
        for obj in app.objects:
            lines += [f"  {line}" for line in _object_lines(obj)]
    lines.append(_counts(diff))
    return "\n".join(lines) + "\n"


def markdown(diff: PlatformDiff) -> str:
    if not diff.changed:
        return "No changes: the cluster would get exactly the same objects.\n"
    parts = [f"**{_counts(diff)}**\n"]
    for app in diff.applications:
        body = []
        for problem in app.problems:
            body.append(f"! {problem}")
        for obj in app.objects:
            body += _object_lines(obj)
        summary = f"{len(app.objects)} object{'s' if len(app.objects) != 1 else ''}"
        parts.append(
            f"<details><summary><code>{_app_title(app)}</code>: {summary}</summary>\n\n"
            "```diff\n" + "\n".join(body).replace("```", "` ` `") + "\n```\n</details>\n"
        )
    return "\n".join(parts)


def as_json(diff: PlatformDiff) -> str:
    return json.dumps(
        {
            "changed": diff.changed,
            "applications": [
                {
                    "name": app.name,
                    "status": app.status,
                    "wave": app.wave,
                    "problems": app.problems,
                    "objects": [
                        {
                            "group": obj.key[0],
                            "kind": obj.key[1],
                            "namespace": obj.key[2],
                            "name": obj.key[3],
                            "status": obj.status,
                            "source": obj.source,
                            "changes": [
                                {"path": c.path, "before": c.before, "after": c.after}
                                for c in obj.changes
                            ],
                        }
                        for obj in app.objects
                    ],
                }
                for app in diff.applications
            ],
        },
        indent=2,
        default=str,
    )
