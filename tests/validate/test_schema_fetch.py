"""`mgctl schemas fetch` against a real HTTP server on 127.0.0.1 laid out like
raw.githubusercontent.com (`<repo>/<tag>/<path>/<file>`), built from ../shared (crds/ and
chart-schemas/)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl.cli.main import app
from mgctl.schemas_catalog import (
    ALL_SOURCES,
    CHART_SCHEMA_SOURCES,
    CRD_SOURCES,
    PinnedSource,
    find_source,
    git_blob_id,
    verify_blob,
)
from mgctl.validate.schema_fetch import fetch_all
from mgctl.validate.schemas import SchemaRegistry


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def pinned_copy(shared: Path, source: PinnedSource) -> Path:
    """Where ../shared holds the copy of a source's files."""
    return shared / (
        source.local_dir if source in CHART_SCHEMA_SOURCES else f"crds/{source.local_dir}"
    )


def mirror_tree(root: Path, shared: Path) -> Path:
    """Symlinks named like the upstream raw URLs, pointing at the pinned copies."""
    for source in ALL_SOURCES:
        for file in source.files:
            link = root / source.repo / source.tag / file.upstream_dir / file.name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(pinned_copy(shared, source) / file.name)
    return root


@pytest.fixture
def mirror(tmp_path: Path, crd_dir: Path) -> Iterator[tuple[str, Path]]:
    root = mirror_tree(tmp_path / "mirror", crd_dir.parent)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_catalog_matches_the_pinned_copies(crd_dir: Path) -> None:
    dirs = {p.parent.relative_to(crd_dir).as_posix() for p in crd_dir.glob("*/*/*.yaml")}
    assert {s.local_dir for s in CRD_SOURCES} == dirs
    for source in CRD_SOURCES:
        names = {p.name for p in (crd_dir / source.local_dir).glob("*.yaml")}
        assert names == {f.name for f in source.files}, source.local_dir
    schemas = crd_dir.parent / "chart-schemas"
    dirs = {p.parent.relative_to(schemas.parent).as_posix() for p in schemas.glob("*/*/*.json")}
    assert {s.local_dir for s in CHART_SCHEMA_SOURCES} == dirs


def test_git_blob_id_is_git_hash_object() -> None:
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert verify_blob(b"hello\n", "ce013625030b")
    assert not verify_blob(b"hello!\n", "ce013625030b")


def test_fetch_all_downloads_and_verifies_everything(
    mirror: tuple[str, Path], tmp_path: Path, crd_dir: Path
) -> None:
    base_url, _ = mirror
    dest = tmp_path / "schemas"
    result = fetch_all(dest, base_url)
    assert result.failed == {}
    assert sorted(result.fetched) == sorted(s.local_dir for s in ALL_SOURCES)
    for source in ALL_SOURCES:
        for file in source.files:
            fetched = dest / source.local_dir / file.name
            pinned = pinned_copy(crd_dir.parent, source) / file.name
            assert fetched.read_bytes() == pinned.read_bytes(), fetched
    assert not [p for p in dest.rglob(".*")], "temporary directories left behind"
    again = fetch_all(dest, base_url)
    assert again.fetched == [] and len(again.up_to_date) == len(ALL_SOURCES)
    assert (dest / "chart-schemas/traefik/41.3.0/values.schema.json").is_file()
    registry = SchemaRegistry("1.35", [dest])
    assert registry.is_served("external-secrets.io/v1", "ExternalSecret")
    assert not registry.is_served("external-secrets.io/v1beta1", "ExternalSecret")


def test_corrupted_file_fails_its_checksum_and_leaves_old_content(
    mirror: tuple[str, Path], tmp_path: Path, crd_dir: Path
) -> None:
    base_url, root = mirror
    source = find_source("cert-manager")
    dest = tmp_path / "schemas"
    assert fetch_all(dest, base_url, [source]).failed == {}
    file = source.files[0]
    served = root / source.repo / source.tag / file.upstream_dir / file.name
    data = served.read_bytes()
    served.unlink()
    served.write_bytes(data.replace(b"description", b"descripti0n", 1))
    result = fetch_all(dest, base_url, [source], force=True)
    assert list(result.failed) == [source.local_dir]
    assert "checksum mismatch" in result.failed[source.local_dir]
    assert (dest / source.local_dir / file.name).read_bytes() == data
    assert sorted(p.name for p in (dest / "cert-manager").iterdir()) == [source.version]


def test_missing_file_on_the_mirror_is_reported(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    source = find_source("alloy")
    file = source.files[0]
    (root / source.repo / source.tag / file.upstream_dir / file.name).unlink()
    result = fetch_all(tmp_path / "schemas", base_url, [source])
    assert "HTTP 404" in result.failed[source.local_dir]
    assert not (tmp_path / "schemas" / source.local_dir).exists()


def test_cli_fetch(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, _ = mirror
    dest = tmp_path / "cli-schemas"
    result = CliRunner().invoke(
        app, ["schemas", "fetch", "--dest", str(dest), "--base-url", base_url, "--output", "json"]
    )
    assert result.exit_code == 0, result.output
    assert (dest / "strimzi/1.2.0/040-Crd-kafka.yaml").is_file()


def test_cli_fetch_failure_exits_1(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    source = find_source("chart-schemas/loki")
    file = source.files[0]
    (root / source.repo / source.tag / file.upstream_dir / file.name).unlink()
    result = CliRunner().invoke(
        app, ["schemas", "fetch", "--dest", str(tmp_path / "d"), "--base-url", base_url]
    )
    assert result.exit_code == 1
    assert "chart-schemas/loki/7.3.0" in result.output and "HTTP 404" in result.output


def test_unresolvable_host_stops_at_the_first_download(tmp_path: Path) -> None:
    """Offline (or a typo in --base-url) every download fails the same way: one name-resolution
    error ends the run with what to do instead, rather than one timeout per source."""
    seen: list[str] = []
    result = fetch_all(
        tmp_path,
        "http://mgctl-test.invalid",
        ALL_SOURCES,
        on_source_done=lambda s, _: seen.append(s.local_dir),
    )
    assert len(seen) == 1 and list(result.failed) == seen
    reason = result.failed[seen[0]]
    assert "cannot resolve mgctl-test.invalid" in reason
    assert "--base-url" in reason and "file:///" in reason and "--schemas DIR" in reason
    assert not result.fetched


def test_cli_offline_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["schemas", "fetch", "--dest", str(tmp_path), "--base-url", "http://mgctl-test.invalid"],
    )
    assert result.exit_code == 1
    assert result.output.count("cannot resolve mgctl-test.invalid") == 1


def test_a_local_directory_is_a_mirror(tmp_path: Path, crd_dir: Path) -> None:
    """The hint's `file:///path` works: a directory laid out like raw.githubusercontent.com."""
    root = mirror_tree(tmp_path / "mirror", crd_dir.parent)
    result = fetch_all(tmp_path / "dest", root.as_uri(), ALL_SOURCES)
    assert result.failed == {}
    assert len(result.fetched) == len(ALL_SOURCES)
