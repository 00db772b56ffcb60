from __future__ import annotations

from collections.abc import Iterator

import pytest

from mg_auth_testkit import JwksServer, RunningService, SigningKey, config_dict, running_service


@pytest.fixture(scope="session")
def key() -> SigningKey:
    return SigningKey.generate("key-2026-a")


@pytest.fixture(scope="session")
def next_key() -> SigningKey:
    return SigningKey.generate("key-2026-b")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    return SigningKey.generate("key-2026-a")  # same kid as `key`, different material


@pytest.fixture
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    with JwksServer([key]) as server:
        yield server


@pytest.fixture
def svc(jwks: JwksServer) -> Iterator[RunningService]:
    with running_service(config_dict(jwks.url)) as running:
        yield running
