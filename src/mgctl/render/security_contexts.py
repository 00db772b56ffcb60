"""Pod Security Standards *restricted* security contexts every generated workload starts from."""

from __future__ import annotations

from typing import Any


def restricted_pod(uid: int, gid: int | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": uid}
    if gid is not None:
        context["runAsGroup"] = gid
    context["seccompProfile"] = {"type": "RuntimeDefault"}
    return context


def restricted_container() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    }
