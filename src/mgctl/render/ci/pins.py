"""The GitHub Actions every generated workflow uses, pinned by full commit SHA (actions.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

_SHA = re.compile(r"^[0-9a-f]{40}$")
_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class ActionPin:
    key: str
    repo: str  # owner/name
    version: str  # the release tag the SHA belongs to
    sha: str

    @property
    def uses(self) -> str:
        """The `uses:` value: the SHA, with the version as a comment (Renovate keeps both)."""
        return f"{self.repo}@{self.sha} # {self.version}"


@cache
def action_pins() -> dict[str, ActionPin]:
    text = resources.files("mgctl.render.ci").joinpath("actions.yaml").read_text(encoding="utf-8")
    pins: dict[str, ActionPin] = {}
    for key, entry in yaml.safe_load(text)["actions"].items():
        pin = ActionPin(key, str(entry["repo"]), str(entry["version"]), str(entry["sha"]))
        if not _SHA.match(pin.sha) or not _VERSION.match(pin.version):
            raise ValueError(f"actions.yaml: {key}: sha must be 40 hex digits, version vX.Y.Z")
        pins[key] = pin
    return pins


def uses() -> dict[str, str]:
    """`uses:` values for the templates, keyed as identifiers (`setup-python` -> `setup_python`)."""
    return {key.replace("-", "_"): pin.uses for key, pin in action_pins().items()}
