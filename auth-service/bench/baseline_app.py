"""The benchmark's baselines: the ForwardAuth handler a team would write first.

A Starlette app on uvicorn whose `/verify` decodes the bearer token with PyJWT on every
request (`MG_BASELINE=naive`), or the same with `functools.lru_cache` around the decode
(`MG_BASELINE=lru`, 1,000 entries, which also never re-checks `exp`). uvicorn runs one
worker on uvloop + httptools with the access log off: the baselines' best case.

Configured by environment: MG_BASELINE, MG_BENCH_PUBLIC_KEY (PEM file), MG_BENCH_ISSUER,
MG_BENCH_AUDIENCE, MG_BENCH_ROLES_CLAIM, MG_BENCH_EMAIL_CLAIM.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_LOADED = load_pem_public_key(Path(os.environ["MG_BENCH_PUBLIC_KEY"]).read_bytes())
if not isinstance(_LOADED, RSAPublicKey):
    raise SystemExit("MG_BENCH_PUBLIC_KEY: not an RSA public key")
PUBLIC_KEY: RSAPublicKey = _LOADED
ISSUER = os.environ["MG_BENCH_ISSUER"]
AUDIENCE = os.environ["MG_BENCH_AUDIENCE"]
ROLES_CLAIM = os.environ["MG_BENCH_ROLES_CLAIM"]
EMAIL_CLAIM = os.environ["MG_BENCH_EMAIL_CLAIM"]


def decode(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, PUBLIC_KEY, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER
    )
    return claims


DECODE = functools.lru_cache(maxsize=1000)(decode) if os.environ["MG_BASELINE"] == "lru" else decode


async def verify(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return Response(status_code=401)
    try:
        claims = DECODE(token)
    except jwt.InvalidTokenError:
        return Response(status_code=401)
    headers = {
        "X-User-Id": str(claims["sub"]),
        "X-User-Email": str(claims.get(EMAIL_CLAIM, "")),
        "X-User-Roles": ",".join(claims.get(ROLES_CLAIM, [])),
    }
    return Response(status_code=200, headers=headers)


app = Starlette(routes=[Route("/verify", verify)])
