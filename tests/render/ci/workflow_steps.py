"""Run a generated workflow's `run:` steps the way a GitHub runner does (bash -eo pipefail, the
RUNNER_TEMP and GITHUB_OUTPUT files), and its github-script steps with node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from .conftest import tool_env


def load(text: str) -> dict[Any, Any]:
    # keys are str but for `on:`, which YAML 1.1 (PyYAML) reads as the boolean True
    workflow: dict[Any, Any] = yaml.safe_load(text)
    return workflow


def step(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    for candidate in workflow["jobs"][job]["steps"]:
        if candidate.get("name") == name or candidate.get("id") == name:
            found: dict[str, Any] = candidate
            return found
    raise KeyError(f"no step {name!r} in job {job}")


def run_step(
    script: str, workspace: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Returns the process and the step outputs parsed from GITHUB_OUTPUT."""
    temp = workspace / ".runner-temp"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir()
    outputs = workspace / ".github-output"
    outputs.write_text("", encoding="utf-8")
    script_file = workspace / ".step.sh"
    script_file.write_text(script, encoding="utf-8")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
        cwd=workspace,
        env={
            **tool_env(),
            "RUNNER_TEMP": str(temp),
            "GITHUB_OUTPUT": str(outputs),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, parse_outputs(outputs.read_text(encoding="utf-8"))


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's format: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


NODE_HARNESS = """
const fs = require("fs");
const [scriptFile, stateFile] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
const calls = [];
const github = {
  paginate: async (method, params) => { calls.push(["list", params]); return state.comments; },
  rest: { issues: {
    listComments: "issues.listComments",
    updateComment: async (params) => { calls.push(["update", params]); },
    createComment: async (params) => { calls.push(["create", params]); },
  } },
};
const context = { repo: state.repo, payload: { pull_request: { number: state.number } } };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
// actions/github-script runs the script as the body of an async function with these arguments
new AsyncFunction("github", "context", "core", "require", fs.readFileSync(scriptFile, "utf8"))(
  github, context, {}, require,
).then(
  () => console.log(JSON.stringify(calls)),
  (error) => { console.error(error); process.exit(1); },
);
"""


def run_github_script(
    script: str, workspace: Path, state: dict[str, Any], env: dict[str, str]
) -> list[list[Any]]:
    node = shutil.which("node")
    assert node, "node is needed to run the github-script step (the machine's Node runtime)"
    (workspace / "script.js").write_text(script, encoding="utf-8")
    (workspace / "state.json").write_text(json.dumps(state), encoding="utf-8")
    (workspace / "harness.js").write_text(NODE_HARNESS, encoding="utf-8")
    proc = subprocess.run(
        [node, "harness.js", "script.js", "state.json"],
        cwd=workspace,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    calls: list[list[Any]] = json.loads(proc.stdout)
    return calls
