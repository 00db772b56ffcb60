"""Databases a render takes away: what the previous render wrote into mg-deploy/databases/ and
this platform.yaml no longer has (removed, or renamed: the new name starts empty).

The render still removes the directory, so git matches platform.yaml. Argo CD then drops the
database's Application and keeps its Cluster, volumes and backups, because the previous
render protected them (Prune=false,Delete=false on the objects, preserveResourcesOnDeletion on
the databases ApplicationSet). `mgctl render` prints, naming the database, what a person has
to decide: back it up, restore it under the new name, or delete it for good. When the previous
render predates that protection, it says that pushing this render deletes the database.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mgctl.config.platform import Platform
from mgctl.render.database_charts import KEPT_RESOURCES, NEVER_DELETED, SYNC_OPTIONS
from mgctl.render.writer import STATE_FILE

DEPLOY = "mg-deploy"
INFRA = "mg-infrastructure"
DATABASES = "databases"
NAMESPACE = "databases"
APPSET_FILE = "applicationsets/databases.yaml"
BACKUP_PLUGIN = "barman-cloud.cloudnative-pg.io"


@dataclass(frozen=True)
class GoneDatabase:
    name: str
    protected: bool  # the previous render kept it from being deleted with its Application
    new_names: tuple[str, ...]  # databases this render adds: one of them may be the rename
    catalog: str
    steps: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.name,
            "protected": self.protected,
            "possiblyRenamedTo": list(self.new_names),
            "catalog": self.catalog,
            "steps": self.steps,
        }


def _previous_names(deploy: Path) -> list[str]:
    """Databases the previous render wrote, from its record of generated files."""
    try:
        record = json.loads((deploy / STATE_FILE).read_text(encoding="utf-8"))
        files = record["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    names = set()
    for rel in files if isinstance(files, dict) else []:
        parts = str(rel).split("/")
        if len(parts) == 3 and parts[0] == DATABASES and parts[2] == "cluster.yaml":
            names.add(parts[1])
    return sorted(names)


def _documents(path: Path) -> list[dict[str, Any]]:
    try:
        return [
            d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)
        ]
    except (OSError, yaml.YAMLError):
        return []


def _cluster_kept(deploy: Path, name: str) -> bool:
    for doc in _documents(deploy / DATABASES / name / "cluster.yaml"):
        if doc.get("kind") == "Cluster":
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            options = {o.strip() for o in str(annotations.get(SYNC_OPTIONS, "")).split(",")}
            return "Delete=false" in options
    return False


def _appset_preserves(infra: Path) -> bool:
    for doc in _documents(infra / APPSET_FILE):
        if doc.get("kind") == "ApplicationSet":
            policy = (doc.get("spec") or {}).get("syncPolicy") or {}
            return policy.get("preserveResourcesOnDeletion") is True
    return False


def gone_databases(
    out: Path, platform: Platform, config: str = "platform.yaml"
) -> list[GoneDatabase]:
    """Databases in OUT's previous render that `platform` no longer renders. Read-only; call
    it before the render replaces the files."""
    deploy, infra = out / DEPLOY, out / INFRA
    previous = _previous_names(deploy)
    current = [db.name for db in platform.databases]
    added = tuple(n for n in current if n not in previous)
    bucket = platform.object_store.buckets.databases
    preserved = _appset_preserves(infra)
    gone = []
    for name in (n for n in previous if n not in current):
        protected = preserved or _cluster_kept(deploy, name)
        catalog = f"s3://{bucket}/{name}/{name}/"
        gone.append(
            GoneDatabase(name, protected, added, catalog, _steps(name, added, catalog, config))
        )
    return gone


def _backup_command(name: str) -> str:
    backup = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Backup",
        "metadata": {"name": f"{name}-before-removal", "namespace": NAMESPACE},
        "spec": {
            "cluster": {"name": name},
            "method": "plugin",
            "pluginConfiguration": {"name": BACKUP_PLUGIN},
        },
    }
    return f"echo {shlex.quote(json.dumps(backup, separators=(',', ':')))} | kubectl apply -f -"


def _steps(name: str, added: tuple[str, ...], catalog: str, config: str) -> list[str]:
    steps = [
        f"back it up now: {_backup_command(name)}  (check: kubectl -n {NAMESPACE} get backup "
        f"{name}-before-removal -o jsonpath='{{.status.phase}}' says completed)",
    ]
    for new in added:
        steps.append(
            f"if it was renamed to {new!r} (which starts empty): move the data with "
            f"`mgctl dr restore-plan {new} --from-database {name} --to latest -c {config}`"
        )
    steps.append(
        f"delete it for good (its volumes go with the Cluster; the catalog {catalog} stays "
        f"until you delete it): kubectl -n {NAMESPACE} delete {KEPT_RESOURCES} "
        f"-l app.kubernetes.io/name={name}"
    )
    steps.append(f"or keep it managed: put databases[{name}] back into {config} and render")
    return steps


def warning_lines(gone: GoneDatabase) -> list[str]:
    """What `mgctl render` prints for one database it took away."""
    lines = [
        f"database {gone.name!r} is no longer in platform.yaml: this render removed "
        f"{DEPLOY}/{DATABASES}/{gone.name}/."
    ]
    if gone.protected:
        lines.append(
            "  Nothing deletes it: Argo CD drops its Application but keeps the Cluster, its "
            f"volumes and backups running ({NEVER_DELETED} on its objects, the databases "
            "ApplicationSet preserves resources). It stays until you choose:"
        )
    else:
        lines.append(
            "  DANGER: the previous render did not protect it, so Argo CD deletes the Cluster "
            "and its volumes once this is pushed. Before pushing, either put it back into "
            "platform.yaml, render and push that once (this mgctl adds the protection), and "
            "remove it afterwards; or protect the running Cluster by hand: "
            f"kubectl -n {NAMESPACE} annotate clusters.postgresql.cnpg.io {gone.name} "
            f"'{SYNC_OPTIONS}={NEVER_DELETED}' --overwrite. Then choose:"
        )
    if gone.new_names:
        names = ", ".join(repr(n) for n in gone.new_names)
        lines.append(f"  New in this render: {names}. A renamed database starts EMPTY.")
    lines += [f"  - {step}" for step in gone.steps]
    return lines
