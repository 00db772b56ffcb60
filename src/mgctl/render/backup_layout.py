"""Names and paths shared by the rendered CNPG objects, the drill, `dr status` and restore plans
(render owns them; dr reads them).

CloudNativePG's Barman Cloud plugin writes a catalog at
`<destinationPath>/<serverName>/{base/<backup id>/..., wals/<timeline+log>/<segment>...}`;
serverName defaults to the Cluster's name.
"""

from __future__ import annotations

from mgctl.config.data import Database

NAMESPACE = "databases"
PLUGIN = "barman-cloud.cloudnative-pg.io"
# CloudNativePG's default archive_timeout, rendered explicitly so the drill uses the same value:
# with no writes, a WAL segment is switched and archived at least this often.
ARCHIVE_TIMEOUT = "5min"
# ObjectStore wal.maxParallel / data.jobs: WAL files archived or prefetched at once, upload jobs
WAL_MAX_PARALLEL = 2
DATA_JOBS = 2


def destination_path(bucket: str, db: Database) -> str:
    return f"s3://{bucket}/{db.name}"


def server_name(db: Database) -> str:
    return db.name


def object_store_name(db: Database) -> str:
    return f"{db.name}-store"


def offsite_object_store_name(db: Database) -> str:
    return f"{db.name}-offsite"


def credentials_secret(db: Database) -> str:
    return f"{db.name}-credentials"


def s3_secret(db: Database) -> str:
    """One per database: each database directory is its own Argo CD Application."""
    return f"{db.name}-s3"


def offsite_s3_secret(db: Database) -> str:
    return f"{db.name}-offsite-s3"


def catalog_prefix(db: Database) -> str:
    """Key prefix of the catalog inside the bucket."""
    return f"{db.name}/{server_name(db)}/"


# Base-backup compressions the ObjectStore CRD (and barman-cloud-backup) accept; WAL
# compression allows more (e.g. xz), base backups fall back to gzip then.
DATA_COMPRESSIONS = ("gzip", "bzip2", "snappy", "lz4")


def data_compression(wal_compression: str | None) -> str | None:
    """The base-backup compression the ObjectStore CRD allows for a configured WAL compression."""
    if wal_compression is None:
        return None
    return wal_compression if wal_compression in DATA_COMPRESSIONS else "gzip"
