"""Where a service's chart lives in mg-deploy and where Argo CD runs it: the services
ApplicationSet generates one Application per `services/<name>/` directory and sends it to the
namespace of the directory's basename (infra/repository.py `services_appset`)."""

from __future__ import annotations

from mgctl.config.services import Service

DEPLOY_ROOT = "mg-deploy"
SERVICES_DIR = "services"


def service_dir(service: Service) -> str:
    """The chart's directory inside mg-deploy."""
    return f"{SERVICES_DIR}/{service.name}"


def service_namespace(service: Service) -> str:
    return service_dir(service).rsplit("/", 1)[-1]
