"""Developer access to Secrets: none cluster-wide, and the namespace-scoped exception
docs/infrastructure.md shows, placed where it survives renders and is judged like the rest."""

from __future__ import annotations

from pathlib import Path

from mgctl.render.platform_render import render_to

from .support import DEPLOY, example, judge, view

EXCEPTION = """\
# Developers may read the Secrets of the engine namespace (docs/infrastructure.md).
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: developer-secrets
  namespace: engine
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: developer-secrets
  namespace: engine
subjects:
  - kind: Group
    name: developers
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: developer-secrets
  apiGroup: rbac.authorization.k8s.io
"""


def test_developer_role_reads_no_secret(rendered: Path) -> None:
    security = view(rendered).app("security")
    assert security is not None
    (role,) = [o for o in security.objects if o.kind == "ClusterRole" and o.name == "developer"]
    for rule in role.body["rules"]:
        assert "secrets" not in rule["resources"] and "*" not in rule["resources"]


def test_namespace_exception_survives_a_render_and_judges_clean(
    tmp_path: Path, render_cache: Path
) -> None:
    out = tmp_path / "out"
    render_to(example(), out)
    exception = out / DEPLOY / "services" / "engine" / "templates" / "developer-secrets.yaml"
    exception.write_text(EXCEPTION, encoding="utf-8")
    render_to(example(), out)  # a file mgctl never wrote is left alone
    assert exception.read_text(encoding="utf-8") == EXCEPTION
    engine = view(out, cache_dir=render_cache).app("engine")
    assert engine is not None
    applied = {(o.kind, o.namespace or "engine", o.name) for o in engine.objects}
    assert ("Role", "engine", "developer-secrets") in applied
    assert ("RoleBinding", "engine", "developer-secrets") in applied
    assert judge(out, render_cache) == []
