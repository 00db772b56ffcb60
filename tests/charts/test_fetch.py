"""`mgctl charts fetch` with the real helm against real servers on loopback: every HTTP
repository mirrored to one served from ../shared/charts, the OCI chart pushed to a real registry."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl import catalog
from mgctl.charts.cache import ChartCache, ChartCacheError
from mgctl.charts.fetch import FetchError, fetch_charts
from mgctl.cli.main import app

from .servers import helm, http_chart_repo, oci_registry

SHARED_CHARTS = Path(__file__).resolve().parents[2].parent / "shared" / "charts"
OCI_PIN = catalog.chart("strimzi")


def shared(pin: catalog.ChartPin) -> Path:
    archive: Path = SHARED_CHARTS / pin.ref.archive_name
    return archive


@pytest.fixture(scope="module")
def mirrors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """--mirror arguments sending every pinned repository to a loopback server."""
    root = tmp_path_factory.mktemp("servers")
    pins = list(catalog.charts().values())
    http_archives = [shared(p) for p in pins if not p.ref.is_oci]
    with http_chart_repo(root / "repo", http_archives) as url, oci_registry(root / "oci") as host:
        helm("push", str(shared(OCI_PIN)), f"oci://{host}/strimzi-helm", "--plain-http")
        args = [f"{repo}={url}" for repo in sorted({p.repo_url for p in pins if not p.ref.is_oci})]
        args.append(f"{OCI_PIN.repo_url}=oci://{host}/strimzi-helm")
        yield args


def mirror_map(args: list[str]) -> dict[str, str]:
    return dict(arg.split("=", 1) for arg in args)


def test_fetch_downloads_and_verifies_every_pin(mirrors: list[str], tmp_path: Path) -> None:
    cache = ChartCache(tmp_path / "cache")
    results = fetch_charts(catalog.charts().values(), cache, mirror_map(mirrors), plain_http=True)
    assert {r.pin.key for r in results} == set(catalog.charts())
    assert {r.status for r in results} == {"downloaded"}
    for result in results:
        assert cache.verify(result.pin).path == result.path
    assert not list(cache.root.glob(".fetch-*"))
    again = fetch_charts(catalog.charts().values(), cache, mirror_map(mirrors), plain_http=True)
    assert {r.status for r in again} == {"cached"}


def test_cli_fetch_json_and_list(mirrors: list[str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ["charts", "fetch", "--charts", str(cache), "--plain-http", "--output", "json"]
    for mirror in mirrors:
        args += ["--mirror", mirror]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["charts"]) == len(catalog.charts())
    listed = CliRunner().invoke(app, ["charts", "list", "--charts", str(cache), "--output", "json"])
    assert listed.exit_code == 0
    rows = {row["key"]: row for row in json.loads(listed.stdout)["charts"]}
    # the app version is read from the chart itself
    assert rows["traefik"]["app_version"] == "v3.7.11"
    assert rows["traefik"]["image_tag"] == "v3.7.15"
    assert rows["plugin-barman-cloud"]["app_version"] == "v0.13.0"


def tampered(archive: Path, into: Path) -> Path:
    """The same chart name and version with one changed byte in values.yaml."""
    into.mkdir(parents=True, exist_ok=True)
    out = into / archive.name
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if data is not None and member.name.endswith("/values.yaml"):
                data += b"\n# changed\n"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    return out


def test_a_chart_that_does_not_verify_is_refused_and_not_cached(tmp_path: Path) -> None:
    pin = catalog.chart("reloader")
    bad = tampered(shared(pin), tmp_path / "bad")
    cache = ChartCache(tmp_path / "cache")
    refused = pytest.raises(FetchError, match=r"is not the pinned reloader 2\.2\.16")
    with http_chart_repo(tmp_path / "repo", [bad]) as url, refused:
        fetch_charts([pin], cache, {pin.repo_url: url})
    assert not cache.path(pin).exists()
    assert not list(cache.root.glob(".fetch-*"))
    # kept for review, outside what the cache serves
    assert (cache.root / ".unverified" / pin.ref.archive_name).read_bytes() == bad.read_bytes()


def test_a_corrupt_cached_archive_is_replaced(mirrors: list[str], tmp_path: Path) -> None:
    pin = catalog.chart("reloader")
    cache = ChartCache(tmp_path / "cache")
    cache.root.mkdir()
    cache.path(pin).write_bytes(b"not a chart")
    with pytest.raises(ChartCacheError, match="is not the pinned"):
        cache.verify(pin)
    (result,) = fetch_charts([pin], cache, mirror_map(mirrors))
    assert result.status == "downloaded"
    assert ChartCache(cache.root).verify(pin).by == "sha256"


def test_unreachable_repository_fails_fast_with_the_fix(tmp_path: Path) -> None:
    pin = catalog.chart("cert-manager")
    unreachable = {pin.repo_url: "http://mgctl-no-such-host.invalid"}
    with pytest.raises(FetchError) as caught:
        fetch_charts(catalog.charts().values(), ChartCache(tmp_path), unreachable)
    message = str(caught.value)
    assert "cannot be reached" in message and "--mirror" in message and "--charts" in message


def test_cli_bad_mirror_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["charts", "fetch", "--charts", str(tmp_path), "--mirror", "x"]
    )
    assert result.exit_code == 2
    assert "REPO_URL=MIRROR_URL" in result.output


def test_list_reports_missing_charts(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["charts", "list", "--charts", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing" in result.output
