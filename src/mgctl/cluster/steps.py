"""Bootstrap's imperative steps: the contract every step follows, and the runner.

State lives only in the cluster: a step is skipped when the cluster already holds what it
would create, so a re-run is a no-op and a run interrupted anywhere resumes at the first step
that is not done. After applying, a step observes again and fails loudly if still not done.
The steps themselves: `steps_kube` (namespaces, CRDs, root Application), `steps_secrets`,
`steps_argocd` (helm release, waiting for the Applications).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from mgctl.cluster.kubectl import Kubectl, apply_argv_tail
from mgctl.cluster.plan import PlannedCommand, PlannedObject, PlanStep

Say = Callable[[str], None]


@dataclass(frozen=True)
class Observation:
    done: bool
    detail: str


class StepFailed(RuntimeError):
    pass


class Step(ABC):
    key: str
    title: str
    why: str
    fix: str = "fix the cause above, then re-run `mgctl bootstrap`: it resumes at this step"

    @abstractmethod
    def planned(self) -> PlanStep: ...

    @abstractmethod
    def observe(self) -> Observation: ...

    @abstractmethod
    def apply(self, say: Say) -> None: ...

    def _plan(self, commands: list[PlannedCommand], objects: list[PlannedObject]) -> PlanStep:
        return PlanStep(self.key, self.title, self.why, tuple(commands), tuple(objects))


def apply_cmd(kubectl: Kubectl, stdin: str, note: str = "") -> PlannedCommand:
    return PlannedCommand(tuple(kubectl.argv(*apply_argv_tail())), stdin, note)


@dataclass(frozen=True)
class StepOutcome:
    key: str
    title: str
    action: str  # "already done", "applied", "would apply"
    detail: str


@dataclass
class Bootstrapper:
    steps: list[Step]
    say: Say = print
    outcomes: list[StepOutcome] = field(default_factory=list)

    def observe_all(self) -> dict[str, Observation]:
        return {step.key: step.observe() for step in self.steps}

    def run(self) -> list[StepOutcome]:
        for number, step in enumerate(self.steps, 1):
            before = step.observe()
            if before.done:
                self._record(step, "already done", before.detail)
                self.say(f"{number}. {step.title}: already done ({before.detail})")
                continue
            self.say(f"{number}. {step.title}: {before.detail} → applying")
            try:
                step.apply(self.say)
            except StepFailed:
                raise
            except Exception as exc:
                raise StepFailed(
                    f"step {number} ({step.title}) failed:\n{exc}\n{step.fix}"
                ) from exc
            after = step.observe()
            if not after.done:
                raise StepFailed(
                    f"step {number} ({step.title}) ran but the cluster still shows: "
                    f"{after.detail}. {step.fix}"
                )
            self._record(step, "applied", after.detail)
        return self.outcomes

    def _record(self, step: Step, action: str, detail: str) -> None:
        self.outcomes.append(StepOutcome(step.key, step.title, action, detail))
