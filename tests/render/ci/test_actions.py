"""One list of action pins (render/ci/actions.yaml) for the generated workflows and for this
project's own .github/workflows: full commit SHAs, the version beside each, current majors."""

from __future__ import annotations

import re

import pytest

from mgctl.render.ci.pins import action_pins
from mgctl.render.filemap import FileMap

from .conftest import ROOT

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>\S+))?\s*$", re.M)
# the first major whose action runs on node24 (GitHub removed the node20 runtime)
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/github-script": 8,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "docker/setup-buildx-action": 4,
    "docker/build-push-action": 7,
    "docker/login-action": 4,
}


def test_pins_are_full_shas_on_current_majors() -> None:
    pins = action_pins()
    assert set(NODE24_MAJORS) == {pin.repo for pin in pins.values()}
    for pin in pins.values():
        assert re.fullmatch(r"[0-9a-f]{40}", pin.sha)
        major = int(pin.version.removeprefix("v").split(".")[0])
        assert major >= NODE24_MAJORS[pin.repo], pin


def _uses(text: str) -> list[tuple[str, str | None]]:
    return [(m["ref"], m["comment"]) for m in USES.finditer(text)]


def _check(text: str, where: str) -> int:
    pins = {pin.repo: pin for pin in action_pins().values()}
    count = 0
    for ref, comment in _uses(text):
        if ref.startswith(("$/", "./")):
            continue  # this repository's own reusable workflow
        name, _, sha = ref.partition("@")
        assert name in pins, f"{where}: {name} is not in render/ci/actions.yaml"
        assert (sha, comment) == (pins[name].sha, pins[name].version), f"{where}: {ref}"
        count += 1
    return count


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / ".github" / "workflows").glob("*.yml"))
)
def test_this_projects_workflows_use_the_pins(name: str) -> None:
    path = ROOT / ".github" / "workflows" / name
    assert _check(path.read_text(encoding="utf-8"), name) > 0


def test_generated_workflows_use_the_pins(rendered: FileMap, source_files: FileMap) -> None:
    workflows = {p: t for p, t in rendered.items() if "/.github/workflows/" in p}
    workflows.update(source_files)
    assert len(workflows) >= 4
    assert sum(_check(text, path) for path, text in workflows.items()) > 0


def test_unpinned_refs_are_caught() -> None:
    with pytest.raises(AssertionError):
        _check("    steps:\n      - uses: actions/checkout@v7\n", "example")
