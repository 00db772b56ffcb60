"""Stateful pieces: PostgreSQL clusters (CloudNativePG), Kafka (Strimzi) and the object store."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import ConfigDict, Field, JsonValue, field_validator, model_validator

from mgctl.config import cron, names, units
from mgctl.config.base import Bucket, DatabaseName, Duration, EnvName, Model, Name, Size
from mgctl.config.services import Resources

# CNPG's postgresParameterNameRegex (internal/webhook/v1/cluster_webhook.go)
PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
_PG_MEMORY = re.compile(r"^([0-9]+)\s*(kB|MB|GB|TB)?$")
_PG_UNITS = {"kB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
# Rendered by mgctl (render/backup_layout.py ARCHIVE_TIMEOUT): the drill measures RPO against it.
MGCTL_PARAMETERS = ("archive_timeout",)


_FORBIDDEN_PARAMETERS: list[JsonValue] = [
    p for p in sorted(names.cnpg_fixed_parameters() | set(MGCTL_PARAMETERS))
]


def postgres_memory_bytes(value: str) -> int:
    """shared_buffers as CNPG reads it (parsePostgresQuantityValue): a bare number is MB."""
    match = _PG_MEMORY.match(value.strip())
    if not match:
        raise ValueError(
            f"shared_buffers {value!r} is not a PostgreSQL memory size such as 256MB or 1GB"
        )
    return int(match.group(1)) * _PG_UNITS[match.group(2) or "MB"]


class DatabaseBackup(Model):
    schedule: str = Field(
        default="0 0 3 * * *",
        json_schema_extra={"pattern": cron.schema_pattern(cron.CNPG)},
        description="CNPG ScheduledBackup cron: six fields, seconds first (UTC); "
        "@daily-style descriptors are expanded",
    )
    retention: Duration = "30d"
    compression: Literal["gzip", "bzip2", "snappy", "lz4", "xz", "zstd"] | None = "gzip"

    @field_validator("schedule")
    @classmethod
    def _cnpg_cron(cls, value: str) -> str:
        return cron.normalise(value, cron.CNPG)


class DatabaseCredentials(Model):
    username_key: EnvName = Field(description="Doppler key of the owner's user name")
    password_key: EnvName = Field(description="Doppler key of the owner's password")


class Database(Model):
    name: DatabaseName
    database: Name = Field(
        json_schema_extra={"not": {"enum": list(names.RESERVED_DATABASE_NAMES)}},
        description="PostgreSQL database created for the owner",
    )
    owner: Name = Field(
        json_schema_extra={"not": {"enum": list(names.RESERVED_ROLES)}},
        description="PostgreSQL role that owns the database",
    )
    instances: int = Field(default=1, ge=1, le=5)
    storage: Size = "10Gi"
    resources: Resources = Field(
        default=Resources(), description="Per PostgreSQL instance (the seed's 100m/256Mi)"
    )
    postgres_version: int = Field(default=17, ge=14, le=18)
    credentials: DatabaseCredentials
    backup: DatabaseBackup = DatabaseBackup()
    parameters: dict[str, str] = Field(
        default={"shared_buffers": "256MB", "max_connections": "100"},
        json_schema_extra={
            "propertyNames": {
                "pattern": PARAMETER_NAME.pattern,
                "not": {"enum": _FORBIDDEN_PARAMETERS},
            },
            "properties": {"shared_buffers": {"pattern": r"^[0-9]+\s*(kB|MB|GB|TB)?$"}},
        },
        description="postgresql.conf parameters (values are strings)",
    )

    @field_validator("database")
    @classmethod
    def _free_database(cls, value: str) -> str:
        if value in names.RESERVED_DATABASE_NAMES:
            raise ValueError(
                f"{value!r} exists in every PostgreSQL cluster, so initdb cannot create it; "
                "name the application's database, e.g. 'app'"
            )
        return value

    @field_validator("owner")
    @classmethod
    def _free_owner(cls, value: str) -> str:
        if value in names.RESERVED_ROLES:
            raise ValueError(
                f"{value!r} is a role CloudNativePG reserves for itself; name the application's "
                "owner, e.g. 'app'"
            )
        return value

    @field_validator("parameters")
    @classmethod
    def _allowed_parameters(cls, parameters: dict[str, str]) -> dict[str, str]:
        errors = []
        for key in parameters:
            if not PARAMETER_NAME.match(key):
                errors.append(f"{key!r} is not a PostgreSQL parameter name")
            elif key in names.cnpg_fixed_parameters():
                errors.append(
                    f"{key!r} is managed by CloudNativePG, which refuses it "
                    '("Can\'t set fixed configuration parameter"); remove it'
                )
            elif key in MGCTL_PARAMETERS:
                errors.append(f"{key!r} is set by mgctl (WAL archiving, the RPO); remove it")
        if "shared_buffers" in parameters:
            postgres_memory_bytes(parameters["shared_buffers"])
        if errors:
            raise ValueError("; ".join(errors))
        return parameters

    @model_validator(mode="after")
    def _memory_holds_shared_buffers(self) -> Database:
        """CNPG's webhook refuses a memory request below shared_buffers (validateResources)."""
        buffers = self.parameters.get("shared_buffers")
        request = units.parse_bytes(self.resources.requests.memory)
        if buffers is not None and postgres_memory_bytes(buffers) > request:
            raise ValueError(
                f"resources.requests.memory {self.resources.requests.memory} is below "
                f"shared_buffers {buffers}; CloudNativePG refuses the cluster: raise the request "
                "or lower parameters.shared_buffers"
            )
        return self


class KafkaTopic(Model):
    name: Name = Field(description="Topic and KafkaTopic name")
    partitions: int = Field(default=3, ge=1)
    replicas: int = Field(default=1, ge=1)
    retention: Duration | None = Field(default=None, description="retention.ms, e.g. 7d")


class Kafka(Model):
    enabled: bool = True
    version: str = Field(
        default="4.2.0",
        pattern=r"^4\.[23]\.\d+$",
        description="Apache Kafka version; Strimzi 1.2 runs 4.2.x and 4.3.x (KRaft only)",
    )
    replicas: int = Field(default=1, ge=1, description="KRaft nodes (dual role: controller+broker)")
    storage: Size = "20Gi"
    topics: list[KafkaTopic] = []

    @property
    def replication_factor(self) -> int:
        """Internal topics' and the default replication factor (three at most)."""
        return min(3, self.replicas)

    @property
    def min_insync_replicas(self) -> int:
        return max(1, self.replication_factor - 1)

    @model_validator(mode="after")
    def _replicas_fit(self) -> Kafka:
        for i, topic in enumerate(self.topics):
            if topic.replicas > self.replicas:
                raise ValueError(
                    f"topics[{i}].replicas: topic {topic.name!r} wants {topic.replicas} replicas "
                    "but Kafka has "
                    f"{self.replicas} node(s); lower topics[].replicas or raise kafka.replicas"
                )
            if topic.replicas < self.min_insync_replicas:
                raise ValueError(
                    f"topics[{i}].replicas: topic {topic.name!r} has {topic.replicas} replica(s), "
                    "fewer than the "
                    f"cluster's min.insync.replicas ({self.min_insync_replicas} with "
                    f"{self.replicas} nodes): producers with acks=all would fail; use "
                    f"replicas >= {self.min_insync_replicas}"
                )
        return self


class S3Target(Model):
    endpoint: str = Field(pattern=r"^https?://", description="S3 endpoint URL")
    region: str = "us-east-1"
    bucket: Bucket
    access_key_key: EnvName = Field(description="Doppler key of the access key id")
    secret_key_key: EnvName = Field(description="Doppler key of the secret access key")
    quota: Size | None = Field(
        default=None, description="What you pay for or the provider allows; checked by validate"
    )


class Buckets(Model):
    velero: Bucket = "velero-backups"
    databases: Bucket = "db-backups"
    loki: Bucket = "loki-chunks"
    longhorn: Bucket = "longhorn-backups"

    @model_validator(mode="after")
    def _one_owner_each(self) -> Buckets:
        """Velero marks a location unavailable when its bucket holds other top-level
        prefixes, and Loki's and Longhorn's retention delete what they do not know."""
        owners: dict[str, list[str]] = {}
        for key, bucket in self.model_dump().items():
            owners.setdefault(bucket, []).append(key)
        for bucket, keys in owners.items():
            if len(keys) > 1:
                raise ValueError(
                    f"{keys[1]}: bucket {bucket!r} is also {keys[0]}'s; give each its own bucket"
                )
        return self


class ObjectStore(Model):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"type": {"const": "external"}}, "required": ["type"]},
            "then": {"required": ["endpoint"]},
        }
    )

    type: Literal["seaweedfs", "external"] = "seaweedfs"
    size: Size = Field(default="500Gi", description="Volume for SeaweedFS (in-cluster only)")
    endpoint: str | None = Field(default=None, pattern=r"^https?://")
    region: str = "us-east-1"
    buckets: Buckets = Buckets()
    access_key_key: EnvName = "S3_ACCESS_KEY_ID"
    secret_key_key: EnvName = "S3_SECRET_ACCESS_KEY"
    quota: Size | None = Field(
        default=None, description="External S3 only: the bucket quota/budget, checked by validate"
    )
    offsite: S3Target | None = Field(
        default=None, description="Second, external S3 target for database backups"
    )

    @model_validator(mode="after")
    def _external_needs_endpoint(self) -> ObjectStore:
        if self.type == "external" and not self.endpoint:
            raise ValueError(
                "type 'external' needs endpoint (e.g. https://s3.eu-central-1.wasabisys.com)"
            )
        return self

    @property
    def s3_endpoint(self) -> str:
        """The URL workloads use; in-cluster SeaweedFS serves S3 on its filer's s3 port."""
        if self.type == "external" and self.endpoint:
            return self.endpoint
        return "http://seaweedfs-s3.seaweedfs.svc:8333"
