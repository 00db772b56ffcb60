"""The auth-service config mgctl renders is accepted by the service itself and reaches the pod."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from mgctl.config import load_platform
from mgctl.render.auth_service_config import CONFIG_DIR, CONFIG_FILE, auth_config
from mgctl.render.platform_render import render_to
from mgctl.tools.binaries import find

EXAMPLE = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"


def test_rendered_config_passes_the_services_own_validation(tmp_path: Path) -> None:
    platform = load_platform(EXAMPLE)
    assert platform.auth is not None
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(auth_config(platform.auth)))
    result = subprocess.run(
        [sys.executable, "-m", "mg_auth", "check-config", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    loaded = yaml.safe_load(config.read_text())
    assert loaded["issuers"] == ["https://mg-central.eu.auth0.com/"]
    assert loaded["claims"]["roles"] == "https://mg.example.com/roles"
    assert [r["name"] for r in loaded["rules"]] == [r.name for r in platform.auth.rules]


def test_the_chart_mounts_the_config_where_the_image_reads_it(tmp_path: Path) -> None:
    render_to(load_platform(EXAMPLE), tmp_path)
    chart = tmp_path / "mg-deploy" / "services" / "auth-service"
    (chart / "charts").mkdir()
    subprocess.run(
        [
            "cp",
            "-r",
            str(tmp_path / "mg-deploy" / "_library"),
            str(chart / "charts" / "mg-library"),
        ],
        check=True,
    )
    out = subprocess.run(
        [str(find("helm")), "template", "auth-service", str(chart), "-n", "auth-service"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    docs = {d["kind"]: d for d in yaml.safe_load_all(out) if d}
    config_map = docs["ConfigMap"]
    assert CONFIG_FILE in config_map["data"]
    pod = docs["Deployment"]["spec"]["template"]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True} in mounts
    assert "checksum/config" in pod["metadata"]["annotations"]
    dockerfile = (Path(__file__).parents[2] / "auth-service" / "Dockerfile").read_text()
    assert f"{CONFIG_DIR}/{CONFIG_FILE}" in dockerfile
