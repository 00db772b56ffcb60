"""Operating a cluster: preflight, the bootstrap plan and its idempotent steps, doctor.

Cluster access goes through the real `kubectl` and `helm` binaries (see `kubectl.py`,
`helm.py`), never a Python Kubernetes client: the same binaries the team uses by hand, the
API server's own server-side apply, no extra dependency, and tests that drive real kubectl
against a fake API server on 127.0.0.1 (tests/cluster/fakeapi.py).
"""
