"""Stateful pieces: PostgreSQL clusters (CloudNativePG), Kafka (Strimzi) and the object store."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mgctl.config.base import Duration, EnvName, Model, Name, Size
from mgctl.config.services import Resources


class DatabaseBackup(Model):
    schedule: str = Field(
        default="0 0 3 * * *", description="CNPG ScheduledBackup cron (six fields, seconds first)"
    )
    retention: Duration = "30d"
    compression: Literal["gzip", "bzip2", "snappy", "lz4", "xz", "zstd"] | None = "gzip"


class DatabaseCredentials(Model):
    username_key: EnvName = Field(description="Doppler key of the owner's user name")
    password_key: EnvName = Field(description="Doppler key of the owner's password")


class Database(Model):
    name: Name
    database: Name
    owner: Name
    instances: int = Field(default=1, ge=1, le=5)
    storage: Size = "10Gi"
    resources: Resources = Field(
        default=Resources(), description="Per PostgreSQL instance (the seed's 100m/256Mi)"
    )
    postgres_version: int = Field(default=17, ge=14, le=18)
    credentials: DatabaseCredentials
    backup: DatabaseBackup = DatabaseBackup()
    parameters: dict[str, str] = {"shared_buffers": "256MB", "max_connections": "100"}


class KafkaTopic(Model):
    name: Name
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

    @model_validator(mode="after")
    def _replicas_fit(self) -> Kafka:
        for topic in self.topics:
            if topic.replicas > self.replicas:
                raise ValueError(
                    f"topic {topic.name!r} wants {topic.replicas} replicas but Kafka has "
                    f"{self.replicas} node(s); lower topics[].replicas or raise kafka.replicas"
                )
        return self


class S3Target(Model):
    endpoint: str = Field(pattern=r"^https?://", description="S3 endpoint URL")
    region: str = "us-east-1"
    bucket: str = Field(min_length=3)
    access_key_key: EnvName = Field(description="Doppler key of the access key id")
    secret_key_key: EnvName = Field(description="Doppler key of the secret access key")
    quota: Size | None = Field(
        default=None, description="What you pay for or the provider allows; checked by validate"
    )


class Buckets(Model):
    velero: str = "velero-backups"
    databases: str = "db-backups"
    loki: str = "loki-chunks"
    longhorn: str = "longhorn-backups"


class ObjectStore(Model):
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
