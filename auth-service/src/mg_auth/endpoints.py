"""The HTTP endpoints: `/verify` (the ForwardAuth decision), `/healthz`, `/readyz`, `/metrics`.

Every path through `/verify` ends in `_decide`, which logs and counts the decision; any
exception is a 500 deny. Identity headers appear only on a 200.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from mg_auth.cache import Identity
from mg_auth.config import Config, Rule
from mg_auth.forwarded import BadRequest, query_has_token, read_target, single
from mg_auth.http_server import Request, Response
from mg_auth.jwks import JwksManager
from mg_auth.logs import EventLog
from mg_auth.metrics import Metrics
from mg_auth.rules import RequestTarget, RuleTable, authorize, needs_identity
from mg_auth.verifier import Denial, NeedsRefresh, TokenVerifier, token_digest

NO_STORE = ("Cache-Control", "no-store")
# The only request headers /verify reads; the HTTP layer drops the rest unread.
VERIFY_HEADERS = frozenset(
    {b"authorization", b"x-forwarded-method", b"x-forwarded-host", b"x-forwarded-uri",
     b"access-control-request-method"}
)  # fmt: skip
TEXT = ("Content-Type", "text/plain; charset=utf-8")
# Responses that never vary are built (and, on first use, encoded) once.
NOT_ALLOWED = Response(405, [NO_STORE, ("Allow", "GET, HEAD")])
NOT_FOUND = Response(404, [NO_STORE])
HEALTHY = Response(200, [NO_STORE, TEXT], b"ok\n")
READY = Response(200, [NO_STORE, TEXT], b"ready\n")
SHUTTING_DOWN = Response(503, [NO_STORE, TEXT], b"shutting down\n")
ALLOWED_ANONYMOUS = Response(200, [NO_STORE])
PLAIN_DENIALS = {status: Response(status, [NO_STORE]) for status in (400, 403, 500)}
# 200 responses per identity (their headers are all the response holds): a cache hit then
# costs no header building or encoding. Bounded; cleared when full.
IDENTITY_RESPONSES_MAX = 4096


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer …` value (scheme case-insensitive)."""
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Denial(401, "not_bearer")
    token = rest.strip(" ")
    if not token or " " in token:
        raise Denial(401, "malformed_authorization")
    return token


class Endpoints:
    def __init__(
        self,
        config: Config,
        verifier: TokenVerifier,
        jwks: JwksManager,
        metrics: Metrics,
        log: EventLog,
    ) -> None:
        self._verifier = verifier
        self._jwks = jwks
        self._rules = RuleTable(config.rules)
        self._metrics = metrics
        self._log = log
        self._missing_token = Response(
            401, [NO_STORE, ("WWW-Authenticate", f'Bearer realm="{config.realm}"')]
        )
        self._invalid_token = Response(
            401,
            [
                NO_STORE,
                ("WWW-Authenticate", f'Bearer realm="{config.realm}", error="invalid_token"'),
            ],
        )
        self._identity_responses: dict[tuple[str, str | None, str], Response] = {}
        self.draining = False

    # -- routing ------------------------------------------------------------------------
    def main(self, request: Request) -> Response | Awaitable[Response]:
        path = request.target.partition("?")[0]
        if path == "/verify":
            return self.verify(request)
        if request.method not in ("GET", "HEAD"):
            return NOT_ALLOWED
        if path == "/healthz":
            return HEALTHY
        if path == "/readyz":
            return self.readyz()
        return NOT_FOUND

    def metrics_port(self, request: Request) -> Response | Awaitable[Response]:
        path = request.target.partition("?")[0]
        if request.method not in ("GET", "HEAD"):
            return NOT_ALLOWED
        if path == "/metrics":
            return Response(
                200,
                [NO_STORE, ("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                self._metrics.render(),
            )
        if path == "/healthz":
            return HEALTHY
        if path == "/readyz":
            return self.readyz()
        return NOT_FOUND

    def readyz(self) -> Response:
        if self.draining:
            return SHUTTING_DOWN
        if self._jwks.usable():
            return READY
        # Unready pods get no traffic, so the probe itself may start the (rate-limited) fetch.
        self._jwks.refresh_in_background()
        retry = str(self._jwks.retry_after_seconds())
        return Response(503, [NO_STORE, TEXT, ("Retry-After", retry)], b"no usable JWKS\n")

    # -- /verify ------------------------------------------------------------------------
    def verify(self, request: Request) -> Response | Awaitable[Response]:
        started = time.perf_counter()
        target: RequestTarget | None = None
        rule: Rule | None = None
        digest: bytes | None = None  # the token's SHA-256, once there is a token
        try:
            headers = request.headers
            own_target = request.target
            if "?" in own_target and query_has_token(own_target.partition("?")[2]):
                raise BadRequest("token_in_query")
            target = read_target(headers)
            authorization = single(headers, "authorization")  # several: 400, whatever the rule
            rule = self._rules.match(target)
            if rule is None:
                raise Denial(403, "no_rule_matched")
            if not needs_identity(rule):
                return self._decide(started, target, rule, 200, str(rule.auth), None, "none")
            if authorization is None:
                raise Denial(401, "missing_token")
            token = bearer_token(authorization)
            digest = token_digest(token)
            try:
                identity, hit = self._verifier.verify_now(token, digest)
            except NeedsRefresh:  # an unknown kid, or no usable keys: one shared JWKS fetch
                return self._verify_after_refresh(started, target, rule, token, digest)
            return self._authorized(started, target, rule, identity, hit)
        except BadRequest as exc:
            return self._decide(started, target, rule, 400, exc.reason, None, "none", digest)
        except Denial as exc:
            status, reason = exc.status, exc.reason
            return self._decide(started, target, rule, status, reason, None, "none", digest)
        except Exception as exc:  # fail closed
            self._log.event("error", where="verify", error=type(exc).__name__)
            return self._decide(started, target, rule, 500, "internal_error", None, "none", digest)

    async def _verify_after_refresh(
        self, started: float, target: RequestTarget, rule: Rule, token: str, digest: bytes
    ) -> Response:
        try:
            identity, hit = await self._verifier.verify_after_refresh(token, digest)
            return self._authorized(started, target, rule, identity, hit)
        except Denial as exc:
            status, reason = exc.status, exc.reason
            return self._decide(started, target, rule, status, reason, None, "miss", digest)
        except Exception as exc:  # fail closed
            self._log.event("error", where="verify_after_refresh", error=type(exc).__name__)
            return self._decide(started, target, rule, 500, "internal_error", None, "miss", digest)

    def _authorized(
        self, started: float, target: RequestTarget, rule: Rule, identity: Identity, hit: bool
    ) -> Response:
        cache = "hit" if hit else "miss"
        denied = authorize(rule, identity)
        if denied is not None:
            return self._decide(started, target, rule, 403, denied, identity, cache)
        return self._decide(started, target, rule, 200, "allowed", identity, cache)

    def _decide(
        self,
        started: float,
        target: RequestTarget | None,
        rule: Rule | None,
        status: int,
        reason: str,
        identity: Identity | None,
        cache: str,
        digest: bytes | None = None,
    ) -> Response:
        response = self._response(status, reason, identity)
        if identity is not None:
            fingerprint: str | None = identity.fingerprint
        else:
            fingerprint = digest[:6].hex() if digest is not None else None
        seconds = time.perf_counter() - started
        rule_name = rule.name if rule is not None else "-"
        self._metrics.decision(status, reason, rule_name, cache, seconds)
        self._log.decision(
            rule_name,
            status,
            reason,
            identity.sub if identity is not None else None,
            fingerprint,
            cache,
            seconds * 1000,
            target.method if target is not None else None,
            target.host if target is not None else None,
            target.path if target is not None else None,
        )
        return response

    def _response(self, status: int, reason: str, identity: Identity | None) -> Response:
        if status == 200:
            return ALLOWED_ANONYMOUS if identity is None else self._allowed(identity)
        if status == 401:
            return self._missing_token if reason == "missing_token" else self._invalid_token
        if status == 503:
            retry = str(self._jwks.retry_after_seconds())
            return Response(503, [NO_STORE, ("Retry-After", retry)])
        return PLAIN_DENIALS.get(status) or Response(status, [NO_STORE])

    def _allowed(self, identity: Identity) -> Response:
        key = (identity.sub, identity.email, identity.roles_header)
        response = self._identity_responses.get(key)
        if response is None:
            headers = [NO_STORE, ("X-User-Id", identity.sub)]
            if identity.email is not None:
                headers.append(("X-User-Email", identity.email))
            headers.append(("X-User-Roles", identity.roles_header))
            response = Response(200, headers)
            if len(self._identity_responses) >= IDENTITY_RESPONSES_MAX:
                self._identity_responses.clear()
            self._identity_responses[key] = response
        return response
