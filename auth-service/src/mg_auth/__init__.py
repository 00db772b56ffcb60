"""Auth0 access-token verifier for Traefik ForwardAuth."""

from __future__ import annotations

__version__ = "0.1.0"
