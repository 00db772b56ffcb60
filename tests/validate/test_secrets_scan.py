"""Literal secrets in files: built-in patterns and the real kingfisher binary.

Secret-looking strings are assembled at run time so this file itself stays clean.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mgctl.validate import secrets_scan


def pem_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def configmap_with(value: str) -> str:
    body = "".join(f"    {line}\n" for line in value.splitlines())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: |\n{body}"


def test_pem_private_key_literal_is_found_with_its_line() -> None:
    (finding,) = secrets_scan.scan_text(configmap_with(pem_private_key()), "repo/cm.yaml")
    assert finding.format().startswith("repo/cm.yaml: line 7: literal PEM private key")


TOKENS = {
    "Doppler token": lambda: "dp" + ".st.prd." + secrets.token_hex(20),
    "Tailscale key": lambda: "tskey" + "-auth-kAbC123CNTRL-" + secrets.token_hex(12),
    "AWS access key id": lambda: "AKIA" + "QYLPMN5HHHFPZAM2",
}


@pytest.mark.parametrize("label", list(TOKENS))
def test_token_patterns(label: str) -> None:
    value = TOKENS[label]()
    (finding,) = secrets_scan.scan_text(f"token: {value}\n", "f.yaml")
    assert f"literal {label}" in finding.message


def test_placeholders_are_not_secrets() -> None:
    text = "dopplerToken:\n  key: dopplerToken\n  name: doppler-token\npassword: {{ .Values.x }}\n"
    assert secrets_scan.scan_text(text, "f.yaml") == []


@pytest.mark.skipif(secrets_scan.kingfisher_binary() is None, reason="kingfisher-bin not installed")
def test_real_kingfisher_reports_a_private_key(tmp_path: Path) -> None:
    repo = tmp_path / "mg-infrastructure"
    repo.mkdir()
    (repo / "cm.yaml").write_text(configmap_with(pem_private_key()))
    (repo / "clean.yaml").write_text(configmap_with("hello"))
    findings = secrets_scan.run_kingfisher([repo], tmp_path, secrets_scan.kingfisher_binary())
    assert findings, "kingfisher found nothing"
    assert {f.file for f in findings} == {"mg-infrastructure/cm.yaml"}
    assert all(f.check == "kingfisher" and f.path.startswith("line ") for f in findings)
    own = secrets_scan.scan_files(
        [repo / "cm.yaml"], {repo / "cm.yaml": "mg-infrastructure/cm.yaml"}
    )
    merged = secrets_scan.merge_secret_findings(own, findings)
    assert len([f for f in merged if f.path == own[0].path]) == 1


def test_missing_kingfisher_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (finding,) = secrets_scan.run_kingfisher([tmp_path], tmp_path, None)
    assert finding.severity.value == "warning"
    assert "pip install kingfisher-bin" in finding.message
