"""Every token attack from the issue, over real HTTP against the real service and JWKS."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from mg_auth_testkit import (
    AUDIENCE,
    ISSUER,
    RunningService,
    SigningKey,
    b64url,
    b64url_json,
    claims,
    make_token,
)


def hs256_token(secret: bytes, kid: str) -> str:
    header = b64url_json({"alg": "HS256", "typ": "JWT", "kid": kid})
    payload = b64url_json(claims())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"


def assert_denied(result: tuple[int, dict[str, str], bytes], status: int) -> None:
    code, headers, body = result
    assert code == status, (code, headers)
    assert not any(h.startswith("x-user-") for h in headers), headers
    assert body == b""
    if status == 401:
        assert headers["www-authenticate"].startswith("Bearer ")


def test_valid_token_is_allowed_with_identity_headers(svc: RunningService, key: SigningKey) -> None:
    code, headers, body = svc.verify(make_token(key))
    assert code == 200
    assert body == b""
    assert headers["cache-control"] == "no-store"
    assert headers["x-user-id"] == "auth0|user-1"
    assert headers["x-user-email"] == "user@example.com"
    assert headers["x-user-roles"] == "admin,trader"


def test_roles_are_sorted_filtered_and_email_omitted_when_absent(
    svc: RunningService, key: SigningKey
) -> None:
    roles = ["zeta", "Alpha", "bad role", "x" * 65, 7, "ops:read", "a,b", "ok-1.2_3"]
    token = make_token(key, claims(**{"https://example.com/roles": roles,
                                      "https://example.com/email": None}))  # fmt: skip
    code, headers, _ = svc.verify(token)
    assert code == 200
    assert headers["x-user-roles"] == "Alpha,ok-1.2_3,ops:read,zeta"
    assert "x-user-email" not in headers


def test_missing_token_is_401_without_error_code(svc: RunningService) -> None:
    code, headers, _ = svc.verify(None)
    assert code == 401
    assert headers["www-authenticate"] == 'Bearer realm="mg"'


def test_scheme_is_case_insensitive(svc: RunningService, key: SigningKey) -> None:
    code, _, _ = svc.verify(None, extra=[("Authorization", f"bEaReR {make_token(key)}")])
    assert code == 200


def test_alg_none(svc: RunningService, key: SigningKey) -> None:
    header = b64url_json({"alg": "none", "typ": "JWT", "kid": key.kid})
    token = f"{header}.{b64url_json(claims())}."
    assert_denied(svc.verify(token), 401)
    token = f"{header}.{b64url_json(claims())}.AAAA"
    assert_denied(svc.verify(token), 401)


def test_hs256_with_public_key_pem_and_jwk(svc: RunningService, key: SigningKey) -> None:
    assert_denied(svc.verify(hs256_token(key.public_pem(), key.kid)), 401)
    jwk_bytes = json.dumps(key.jwk()).encode()
    assert_denied(svc.verify(hs256_token(jwk_bytes, key.kid)), 401)
    assert_denied(svc.verify(hs256_token(key.jwk()["n"].encode(), key.kid)), 401)


def test_attacker_key_with_real_kid(
    svc: RunningService, attacker_key: SigningKey, key: SigningKey
) -> None:
    assert attacker_key.kid == key.kid
    token = make_token(attacker_key)
    assert_denied(svc.verify(token), 401)
    assert_denied(svc.verify(token), 401)  # second time from the negative cache
    reasons = [e["reason"] for e in svc.log.events if e["event"] == "decision"]
    assert reasons[-2:] == ["bad_signature", "bad_signature"]


@pytest.mark.parametrize("param", ["jku", "x5u", "jwk", "x5c"])
def test_key_carrying_headers(
    svc: RunningService, attacker_key: SigningKey, key: SigningKey, param: str
) -> None:
    values: dict[str, Any] = {
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "jwk": attacker_key.jwk(),
        "x5c": ["MIIBIjAN"],
    }
    # Signed with the real key: the header alone must cause the deny.
    assert_denied(svc.verify(make_token(key, header={param: values[param]})), 401)


@pytest.mark.parametrize(
    "kid", ["../../../../etc/passwd", "a/b", "key 1", "k" * 129, "", "..", "kid%00"]
)
def test_bad_kid(svc: RunningService, key: SigningKey, kid: str) -> None:
    assert_denied(svc.verify(make_token(key, header={"kid": kid})), 401)


def test_numeric_kid(svc: RunningService, key: SigningKey) -> None:
    assert_denied(svc.verify(make_token(key, header={"kid": 1})), 401)


def test_unknown_crit(svc: RunningService, key: SigningKey) -> None:
    assert_denied(svc.verify(make_token(key, header={"crit": ["exp"], "exp": 1})), 401)


def test_bad_typ(svc: RunningService, key: SigningKey) -> None:
    assert_denied(svc.verify(make_token(key, header={"typ": "JOSE+JSON"})), 401)
    assert svc.verify(make_token(key, header={"typ": "at+jwt"}))[0] == 200
    assert svc.verify(make_token(key, header={"typ": None}))[0] == 200


def test_expired_and_leeway(svc: RunningService, key: SigningKey) -> None:
    now = int(time.time())
    assert_denied(svc.verify(make_token(key, claims(exp=now - 60, iat=now - 3600))), 401)
    assert svc.verify(make_token(key, claims(exp=now - 20, iat=now - 3600)))[0] == 200


def test_nbf_in_future_and_leeway(svc: RunningService, key: SigningKey) -> None:
    now = int(time.time())
    assert_denied(svc.verify(make_token(key, claims(nbf=now + 120))), 401)
    assert svc.verify(make_token(key, claims(nbf=now + 20)))[0] == 200


def test_iat_in_future_and_leeway(svc: RunningService, key: SigningKey) -> None:
    now = int(time.time())
    assert_denied(svc.verify(make_token(key, claims(iat=now + 120))), 401)
    assert svc.verify(make_token(key, claims(iat=now + 20)))[0] == 200


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss"])
def test_missing_required_claim(svc: RunningService, key: SigningKey, claim: str) -> None:
    assert_denied(svc.verify(make_token(key, claims(**{claim: None}))), 401)


@pytest.mark.parametrize("value", ["soon", True, None])
def test_non_numeric_exp(svc: RunningService, key: SigningKey, value: Any) -> None:
    payload = claims()
    payload["exp"] = value
    assert_denied(svc.verify(make_token(key, payload)), 401)


@pytest.mark.parametrize("aud", ["https://other-api.example.com", ["https://x", "https://y"], []])
def test_wrong_audience(svc: RunningService, key: SigningKey, aud: Any) -> None:
    assert_denied(svc.verify(make_token(key, claims(aud=aud))), 401)


def test_audience_as_string(svc: RunningService, key: SigningKey) -> None:
    assert svc.verify(make_token(key, claims(aud=AUDIENCE)))[0] == 200


@pytest.mark.parametrize(
    "iss",
    [
        ISSUER.rstrip("/"),
        "https://other-tenant.eu.auth0.com/",
        ISSUER + "evil/",
        "https://tenant.eu.auth0.com.evil.example/",
        ISSUER.upper(),
        [ISSUER],
    ],
)
def test_wrong_issuer(svc: RunningService, key: SigningKey, iss: Any) -> None:
    assert_denied(svc.verify(make_token(key, claims(iss=iss))), 401)


def test_ps256_header_on_rs256_signature(svc: RunningService, key: SigningKey) -> None:
    assert_denied(svc.verify(make_token(key, header={"alg": "PS256"})), 401)


def test_stripped_signature(svc: RunningService, key: SigningKey) -> None:
    head, payload, _ = make_token(key).split(".")
    assert_denied(svc.verify(f"{head}.{payload}."), 401)
    assert_denied(svc.verify(f"{head}.{payload}"), 401)


def test_padding_appended_to_signature(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key)
    assert_denied(svc.verify(token + "="), 401)
    assert_denied(svc.verify(token + "=="), 401)


def test_modified_payload(svc: RunningService, key: SigningKey) -> None:
    head, _, sig = make_token(key).split(".")
    forged = b64url_json(claims(**{"https://example.com/roles": ["admin", "root"]}))
    assert_denied(svc.verify(f"{head}.{forged}.{sig}"), 401)


def test_oversized_token(svc: RunningService, key: SigningKey) -> None:
    big = make_token(key, claims(filler="x" * 9000))
    assert len(big) > 8192
    assert_denied(svc.verify(big), 401)


def test_token_in_query_string(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key)
    assert_denied(svc.verify(token, uri=f"/orders?access_token={token}"), 400)
    assert_denied(svc.verify(None, uri=f"/orders?x=1&ACCESS_TOKEN={token}"), 400)
    assert_denied(svc.verify(None, uri=f"/orders?access%5Ftoken={token}"), 400)
    assert_denied(svc.verify(token, path=f"/verify?access_token={token}"), 400)


def test_two_authorization_headers(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key)
    extra = [("Authorization", f"Bearer {token}")]
    assert_denied(svc.verify(token, extra=extra), 400)


@pytest.mark.parametrize(
    "value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token abc", "Bearer a, Bearer b"]
)
def test_malformed_authorization(svc: RunningService, value: str) -> None:
    assert_denied(svc.verify(None, extra=[("Authorization", value)]), 401)


def test_m2m_token_denied(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key, claims(gty="client-credentials", sub="abc@clients"))
    assert_denied(svc.verify(token), 403)


@pytest.mark.parametrize("part", ["header", "payload"])
def test_non_json_segments(svc: RunningService, key: SigningKey, part: str) -> None:
    junk = b64url(b"not json at all")
    token = (
        make_token(key, raw_header=junk) if part == "header" else make_token(key, raw_payload=junk)
    )
    assert_denied(svc.verify(token), 401)
    array = b64url(b"[1,2]")
    token = (
        make_token(key, raw_header=array)
        if part == "header"
        else make_token(key, raw_payload=array)
    )
    assert_denied(svc.verify(token), 401)


def test_duplicate_json_keys(svc: RunningService, key: SigningKey) -> None:
    header = b64url(f'{{"alg":"RS256","kid":"{key.kid}","alg":"RS256"}}'.encode())
    assert_denied(svc.verify(make_token(key, raw_header=header)), 401)
    body = json.dumps(claims())[:-1] + ', "sub": "auth0|someone-else"}'
    assert_denied(svc.verify(make_token(key, raw_payload=b64url(body.encode()))), 401)


def test_logs_never_contain_the_token(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key)
    svc.verify(token, uri="/x?secret=1", extra=[("Cookie", "session=abc")])
    svc.verify(token + "x")
    text = "\n".join(svc.log.lines)
    assert token[:40] not in text
    assert token.split(".")[2][:20] not in text
    assert "session=abc" not in text and "secret=1" not in text
    decisions = [e for e in svc.log.events if e["event"] == "decision"]
    assert decisions[0]["sub"] == "auth0|user-1" and len(decisions[0]["token_fp"]) == 12
    assert decisions[1]["status"] == 401 and decisions[1]["sub"] is None


def test_trailing_newlines_in_claims_never_reach_headers(
    svc: RunningService, key: SigningKey
) -> None:
    roles = ["admin\n", "trader", "x\r\nSet-Cookie: a=b"]
    token = make_token(key, claims(**{"https://example.com/roles": roles,
                                      "https://example.com/email": "u@example.com\n"}))  # fmt: skip
    code, headers, _ = svc.verify(token)
    assert code == 200
    assert headers["x-user-roles"] == "trader"
    assert "x-user-email" not in headers
    assert svc.verify(make_token(key, claims(sub="auth0|u\n")))[0] == 401
    assert svc.verify(make_token(key, header={"kid": key.kid + "\n"}))[0] == 401


def test_token_with_trailing_newline_is_malformed(key: SigningKey) -> None:
    from mg_auth.compact_jws import MalformedToken, parse_compact_rs256

    with pytest.raises(MalformedToken):
        parse_compact_rs256(make_token(key) + "\n")
