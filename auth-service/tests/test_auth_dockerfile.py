"""Static checks of the runtime image definition (no container engine on the test machine)."""

from __future__ import annotations

import json
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


def final_stage() -> list[str]:
    lines = [ln.strip() for ln in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    instructions = [ln for ln in lines if ln and not ln.startswith("#")]
    last_from = max(i for i, ln in enumerate(instructions) if ln.upper().startswith("FROM "))
    return instructions[last_from:]


def test_runtime_stage_is_shell_less_and_non_root() -> None:
    stage = final_stage()
    assert "distroless" in stage[0]
    assert not any(ln.upper().startswith("RUN ") for ln in stage), "no shell to RUN with"
    user = next(ln for ln in stage if ln.upper().startswith("USER ")).split()[1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    entrypoint = next(ln for ln in stage if ln.upper().startswith("ENTRYPOINT "))
    argv = json.loads(entrypoint.split(" ", 1)[1])  # exec form: no /bin/sh -c
    assert argv[:4] == ["/usr/bin/python3", "-m", "mg_auth", "serve"]
    env = " ".join(ln for ln in stage if ln.upper().startswith("ENV ") or ln.startswith("PYTHON"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env  # nothing written: readOnlyRootFilesystem works


def test_build_context_excludes_tests_and_bench() -> None:
    ignored = (DOCKERFILE.parent / ".dockerignore").read_text(encoding="utf-8").split()
    assert "tests/" in ignored and "bench/" in ignored
