"""The bootstrap plan: ordered steps, each with the exact commands and the objects it touches.

A plan holds no secret values: a Secret appears by name, namespace and key names, and the
command that applies it shows only that its manifest goes to kubectl's stdin.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedCommand:
    argv: tuple[str, ...]
    stdin: str | None = None  # what goes to stdin (a description, never a value)
    note: str = ""

    def render(self) -> str:
        text = shlex.join(self.argv)
        if self.stdin is not None:
            text += f"  < {self.stdin}"
        return text + (f"  # {self.note}" if self.note else "")


@dataclass(frozen=True)
class PlannedObject:
    kind: str
    name: str
    namespace: str | None = None
    detail: str = ""

    def render(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}" + (f"  ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class PlanStep:
    key: str
    title: str
    why: str
    commands: tuple[PlannedCommand, ...] = ()
    objects: tuple[PlannedObject, ...] = ()


@dataclass
class Plan:
    steps: list[PlanStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def shown_at(self, root: str, shown: str) -> Plan:
        """The plan with every path under `root` shown under `shown` instead: a render into
        a temporary directory is gone once bootstrap ends, so its paths must not be printed."""

        def fix(text: str) -> str:
            return text.replace(root, shown)

        steps = [
            PlanStep(
                step.key,
                step.title,
                fix(step.why),
                tuple(
                    PlannedCommand(
                        tuple(fix(a) for a in c.argv),
                        fix(c.stdin) if c.stdin is not None else None,
                        fix(c.note),
                    )
                    for c in step.commands
                ),
                tuple(
                    PlannedObject(o.kind, o.name, o.namespace, fix(o.detail)) for o in step.objects
                ),
            )
            for step in self.steps
        ]
        return Plan(steps, [fix(note) for note in self.notes])

    def render_text(self, states: dict[str, str] | None = None) -> str:
        lines: list[str] = []
        for number, step in enumerate(self.steps, 1):
            state = f"  [{states[step.key]}]" if states and step.key in states else ""
            lines.append(f"{number}. {step.title}{state}")
            lines.append(f"   why: {step.why}")
            if step.objects:
                lines.append("   objects:")
                lines += [f"     - {obj.render()}" for obj in step.objects]
            if step.commands:
                lines.append("   commands:")
                lines += [f"     $ {cmd.render()}" for cmd in step.commands]
            lines.append("")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"

    def to_dict(self, states: dict[str, str] | None = None) -> dict[str, Any]:
        return {
            "steps": [
                {
                    "key": s.key,
                    "title": s.title,
                    "why": s.why,
                    **({"state": states[s.key]} if states and s.key in states else {}),
                    "objects": [
                        {"kind": o.kind, "name": o.name, "namespace": o.namespace,
                         "detail": o.detail}
                        for o in s.objects
                    ],
                    "commands": [
                        {"argv": list(c.argv), "stdin": c.stdin, "note": c.note}
                        for c in s.commands
                    ],
                }
                for s in self.steps
            ],
            "notes": list(self.notes),
        }  # fmt: skip
