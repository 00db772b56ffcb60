"""The one place mgctl talks S3 (boto3): list, read and create buckets on any S3 endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


class S3Error(RuntimeError):
    """An S3 call failed; the message names the endpoint, bucket and key."""


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    last_modified: datetime


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str

    def env(self) -> dict[str, str]:
        """The variables boto3 and barman-cloud read (never put these in argv)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}


class S3Store:
    """A bucket-level client for one endpoint. Path-style addressing, as SeaweedFS and most
    self-hosted S3 servers need."""

    def __init__(self, endpoint: str, credentials: S3Credentials, region: str = "us-east-1"):
        self.endpoint = endpoint
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _fail(self, action: str, bucket: str, key: str, exc: Exception) -> S3Error:
        where = f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
        return S3Error(f"S3 {action} {where} at {self.endpoint} failed: {exc}")

    def ensure_bucket(self, bucket: str) -> None:
        try:
            self._client.head_bucket(Bucket=bucket)
            return
        except ClientError:
            pass
        except BotoCoreError as exc:
            raise self._fail("head-bucket", bucket, "", exc) from exc
        try:
            self._client.create_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("create-bucket", bucket, "", exc) from exc

    def iter_objects(self, bucket: str, prefix: str) -> Iterator[S3Object]:
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield S3Object(
                        key=item["Key"], size=int(item["Size"]), last_modified=item["LastModified"]
                    )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("list", bucket, prefix, exc) from exc

    def get(self, bucket: str, key: str) -> bytes:
        try:
            body: bytes = self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("get", bucket, key, exc) from exc
        return body

    def put(self, bucket: str, key: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=bucket, Key=key, Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("put", bucket, key, exc) from exc


def split_s3_url(url: str) -> tuple[str, str]:
    """'s3://bucket/a/b' -> ('bucket', 'a/b')."""
    if not url.startswith("s3://"):
        raise ValueError(f"{url!r} is not an s3:// URL")
    bucket, _, path = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{url!r} has no bucket")
    return bucket, path.strip("/")
