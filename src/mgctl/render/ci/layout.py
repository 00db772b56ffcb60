"""Where the delivery pipeline's files live and what they are called: one definition, read by the
workflows, the Renovate configs and the docs' examples."""

from __future__ import annotations

# platform.yaml lives in mg-infrastructure, in the hidden .mgctl/ directory beside mgctl's render
# state: Argo CD never syncs it (the root Application includes explicit paths only) and
# `mgctl validate` skips hidden directories, so it is never judged as a Kubernetes manifest.
PLATFORM_CONFIG = ".mgctl/platform.yaml"
PULL_REQUEST_WORKFLOW = ".github/workflows/mgctl.yml"
RENOVATE_CONFIG = "renovate.json"
BUILD_WORKFLOW = ".github/workflows/build-service.yml"
# GitHub environments: secrets live only there (docs/delivery-pipeline.md, "Secrets").
CHECK_ENVIRONMENT = "mgctl-check"  # SIBLING_DEPLOY_KEY: read-only deploy key of the sibling repo
REGISTRY_ENVIRONMENT = "registry"  # REGISTRY_USERNAME, REGISTRY_TOKEN: push to the image registry
RUNNER = "ubuntu-24.04"
PYTHON_VERSION = "3.12"


def caller_workflow(service_name: str) -> str:
    return f".github/workflows/build-{service_name}.yml"
