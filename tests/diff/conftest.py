from argocd.conftest import render_cache, rendered, tree  # noqa: F401  (shared fixtures)
