"""The rendered mg-infrastructure: layout and the key objects, as the issue specifies them."""

from __future__ import annotations

import json
from typing import Any

import yaml

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.filemap import FileMap
from mgctl.render.infra.argocd_objects import argocd_chart_location
from mgctl.validate.secrets_scan import scan_text

R = "mg-infrastructure"
ENFORCE = "pod-security.kubernetes.io/enforce"


def docs(files: FileMap, rel: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(files[f"{R}/{rel}"]) if d]


def one(files: FileMap, rel: str) -> dict[str, Any]:
    (doc,) = docs(files, rel)
    return doc


def test_layout_follows_the_seed(files: FileMap) -> None:
    for rel in (
        "bootstrap/root.yaml",
        "projects/platform.yaml",
        "projects/applications.yaml",
        "applicationsets/services.yaml",
        "applicationsets/databases.yaml",
        "image-updaters/services.yaml",
        "base/argocd/values.yaml",
        "base/argocd/application.yaml",
        "base/traefik/manifests/middlewares.yaml",
        "security/cluster/namespaces.yaml",
        "security/cluster/rbac.yaml",
        "security/secrets/registry-credentials.yaml",
        "security/tailscale-acl.json",
    ):
        assert f"{R}/{rel}" in files, rel
    assert all(path.startswith(f"{R}/") for path in files)


def test_root_is_app_of_apps_in_platform_project(files: FileMap) -> None:
    project, root = docs(files, "bootstrap/root.yaml")
    assert project == one(files, "projects/platform.yaml")
    assert root["kind"] == "Application" and root["spec"]["project"] == "platform"
    source = root["spec"]["source"]
    assert source["path"] == "." and "base/*/application*.yaml" in source["directory"]["include"]
    assert "finalizers" not in root["metadata"]


def test_argocd_application_uses_catalog_chart_and_bootstrap_values(files: FileMap) -> None:
    app = one(files, "base/argocd/application.yaml")
    chart, values_ref = app["spec"]["sources"]
    entry = catalog.chart("argo-cd")
    assert (chart["repoURL"], chart["chart"], chart["targetRevision"]) == (
        entry.repo_url,
        entry.chart,
        entry.version,
    )
    assert chart["helm"]["valueFiles"] == ["$values/base/argocd/values.yaml"]
    assert values_ref["ref"] == "values"
    assert "finalizers" not in app["metadata"], "deleting the app must not delete Argo CD"
    values = yaml.safe_load(files[f"{R}/base/argocd/values.yaml"])
    assert "resource.customizations.health.argoproj.io_Application" in values["configs"]["cm"]


def test_projects_are_least_privilege(files: FileMap, platform: Platform) -> None:
    for name in ("platform", "applications"):
        spec = one(files, f"projects/{name}.yaml")["spec"]
        text = json.dumps(spec)
        assert '"*"' not in text
        assert spec["destinations"] and spec["sourceRepos"]
    apps = one(files, "projects/applications.yaml")["spec"]
    assert apps["sourceRepos"] == [platform.git.deploy.url]
    assert apps["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    platform_spec = one(files, "projects/platform.yaml")["spec"]
    assert catalog.chart("traefik").repo_url in platform_spec["sourceRepos"]


def test_applicationsets(files: FileMap) -> None:
    services = one(files, "applicationsets/services.yaml")["spec"]
    assert services["goTemplate"] is True
    assert services["goTemplateOptions"] == ["missingkey=error"]
    dirs = services["generators"][0]["git"]["directories"]
    assert {"path": "services/_library", "exclude": True} in dirs
    policy = services["template"]["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert {"ServerSideApply=true", "CreateNamespace=true"} <= set(policy["syncOptions"])
    assert policy["retry"]["backoff"]["factor"] == 2
    labels = policy["managedNamespaceMetadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert services["template"]["spec"]["destination"]["namespace"] == "{{ .path.basename }}"
    databases = one(files, "applicationsets/databases.yaml")["spec"]
    assert databases["template"]["spec"]["destination"]["namespace"] == "databases"


def test_image_updater_selects_services_with_semver_and_git_write_back(
    files: FileMap, platform: Platform
) -> None:
    cr = one(files, "image-updaters/services.yaml")
    assert cr["apiVersion"] == "argocd-image-updater.argoproj.io/v1alpha1"
    assert cr["metadata"]["namespace"] == "argocd"
    spec = cr["spec"]
    assert spec["commonUpdateSettings"] == {"updateStrategy": "semver"}
    refs = {ref["namePattern"]: ref for ref in spec["applicationRefs"]}
    assert set(refs) == {s.name for s in platform.services}
    engine = refs["engine"]
    assert engine["images"][0]["imageName"] == "shykhov/mg.engine"
    assert engine["images"][0]["commonUpdateSettings"] == {  # per image, from its tag scheme
        "updateStrategy": "semver",
        "allowTags": r"regexp:^v\d+\.\d+\.\d+$",
    }
    assert engine["images"][0]["manifestTargets"]["helm"] == {
        "name": "image.repository",
        "tag": "image.tag",
    }
    write_back = spec["writeBackConfig"]
    assert write_back["method"] == "git"
    assert write_back["gitConfig"] == {
        "repository": platform.git.deploy.url,
        "branch": platform.git.deploy.branch,
    }
    assert "writeBackTarget" not in str(cr), "default target: .argocd-source-<app>.yaml"


def test_doppler_store_per_environment(files: FileMap, platform: Platform) -> None:
    stores = docs(files, "base/external-secrets/manifests/cluster-secret-stores.yaml")
    by_name = {s["metadata"]["name"]: s for s in stores}
    assert set(by_name) == {f"doppler-{env}" for env in platform.project.environments}
    for store in stores:
        assert store["apiVersion"] == "external-secrets.io/v1"
        ref = store["spec"]["provider"]["doppler"]["auth"]["secretRef"]["dopplerToken"]
        assert ref["namespace"] == "external-secrets" and ref["key"] == "dopplerToken"
    production = by_name["doppler-production"]["spec"]["provider"]["doppler"]
    assert production["config"] == "prd"
    assert production["auth"]["secretRef"]["dopplerToken"]["name"] == "doppler-token-production"


def test_forward_auth_middleware(files: FileMap) -> None:
    (middleware,) = docs(files, "base/traefik/manifests/middlewares.yaml")
    auth = middleware["spec"]["forwardAuth"]
    assert middleware["metadata"] == {"name": "auth0-auth", "namespace": "traefik"}
    assert auth["address"] == "http://auth-service.auth-service.svc.cluster.local:8080/verify"
    assert auth["trustForwardHeader"] is False
    assert auth["authResponseHeaders"] == ["X-User-Id", "X-User-Email", "X-User-Roles"]
    assert auth["authResponseHeadersRegex"] == "^X-User-"
    assert auth["maxResponseBodySize"] > 0
    values = yaml.safe_load(files[f"{R}/base/traefik/values.yaml"])
    assert (
        "--entryPoints.websecure.http.aliasHeadersStrategy=reject" in values["additionalArguments"]
    )
    redirect = values["ports"]["web"]["http"]["redirections"]["entryPoint"]
    assert redirect["to"] == "websecure" and redirect["scheme"] == "https"


def test_cluster_issuers(files: FileMap, platform: Platform) -> None:
    issuers = docs(files, "base/cert-manager/manifests/cluster-issuers.yaml")
    assert [i["metadata"]["name"] for i in issuers] == [
        "letsencrypt-staging",
        "letsencrypt-production",
    ]
    for issuer in issuers:
        acme = issuer["spec"]["acme"]
        assert acme["email"] == platform.tls.email
        assert acme["solvers"][0]["http01"]["ingress"]["ingressClassName"] == "traefik"
    values = yaml.safe_load(files[f"{R}/base/cert-manager/values.yaml"])
    assert values["crds"] == {"enabled": True, "keep": True}


def test_longhorn_backup_target_and_replicas(files: FileMap, platform: Platform) -> None:
    values = yaml.safe_load(files[f"{R}/base/longhorn/values.yaml"])
    store = values["defaultBackupStore"]
    assert store["backupTarget"] == "s3://longhorn-backups@us-east-1/"
    assert store["backupTargetCredentialSecret"] == "longhorn-backup-s3"
    assert values["persistence"]["defaultClassReplicaCount"] == platform.cluster.storage_replicas
    (secret,) = docs(files, "base/longhorn-secrets/manifests/external-secrets.yaml")
    template = secret["spec"]["target"]["template"]["data"]
    assert template["AWS_ENDPOINTS"] == platform.object_store.s3_endpoint


def test_tailscale_connector_ingresses_and_acl(files: FileMap, platform: Platform) -> None:
    (connector,) = docs(files, "base/tailscale/manifests/connector.yaml")
    assert connector["spec"]["subnetRouter"]["advertiseRoutes"] == ["10.42.0.0/16", "10.43.0.0/16"]
    ingresses = {
        i["metadata"]["name"]: i for i in docs(files, "base/tailscale/manifests/ingresses.yaml")
    }
    assert set(ingresses) == {
        f"{host}-tailscale"
        for host in ("grafana", "prometheus", "alertmanager", "argocd", "longhorn", "seaweedfs")
    }
    argo = ingresses["argocd-tailscale"]
    assert argo["spec"]["ingressClassName"] == "tailscale"
    assert argo["spec"]["defaultBackend"]["service"] == {
        "name": "argocd-server",
        "port": {"number": 80},
    }
    acl = json.loads(files[f"{R}/security/tailscale-acl.json"])
    assert acl["autoApprovers"]["routes"] == {
        "10.42.0.0/16": ["tag:k8s"],
        "10.43.0.0/16": ["tag:k8s"],
    }
    assert "*:*" not in json.dumps(acl)
    (oauth,) = docs(files, "base/tailscale-secrets/manifests/external-secrets.yaml")
    assert oauth["metadata"] == {"name": "operator-oauth", "namespace": "tailscale"}


def test_namespaces_have_pss_labels_and_reasons(files: FileMap) -> None:
    text = files[f"{R}/security/cluster/namespaces.yaml"]
    namespaces = {n["metadata"]["name"]: n for n in docs(files, "security/cluster/namespaces.yaml")}
    for name in ("argocd", "traefik", "external-secrets", "engine", "auth-service"):
        assert namespaces[name]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
            "restricted"
        )
    for name in ("metallb-system", "longhorn-system", "tailscale"):
        labels = namespaces[name]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    below = [n for n in namespaces.values() if n["metadata"]["labels"][ENFORCE] != "restricted"]
    assert text.count("# Pod Security below restricted:") == len(below)
    assert all(n["metadata"]["annotations"]["mgctl.io/pod-security-reason"] for n in below)


def test_developer_role(files: FileMap) -> None:
    role, binding = docs(files, "security/cluster/rbac.yaml")
    rules = {tuple(r["resources"]): r["verbs"] for r in role["rules"]}
    # list/watch on secrets return their data: developers get no Secret access cluster-wide
    assert not [r for r in role["rules"] if {"secrets", "*"} & set(r["resources"])]
    assert not [r for r in role["rules"] if "*" in r["apiGroups"] or "*" in r["verbs"]]
    assert rules[("externalsecrets",)] == ["get", "list", "watch"]
    assert "create" in rules[("pods/exec", "pods/portforward")]
    writes = {"create", "update", "patch", "delete", "deletecollection"}
    for resources, verbs in rules.items():
        if resources != ("pods/exec", "pods/portforward"):
            assert not writes & set(verbs), resources
    assert binding["roleRef"]["name"] == "developer"


def test_registry_pull_secret_in_every_service_namespace(
    files: FileMap, platform: Platform
) -> None:
    secrets = docs(files, "security/secrets/registry-credentials.yaml")
    assert {s["metadata"]["namespace"] for s in secrets} == {"argocd"} | {
        s.name for s in platform.deployed_services
    }
    template = secrets[0]["spec"]["target"]["template"]
    assert template["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(template["data"][".dockerconfigjson"])
    assert config == {"auths": {"https://index.docker.io/v1/": {"auth": "{{ .auth }}"}}}
    assert secrets[0]["spec"]["data"] == [
        {"secretKey": "auth", "remoteRef": {"key": "DOCKER_REGISTRY_AUTH"}}
    ]


def test_every_chart_application_is_multi_source_with_values_in_repo(files: FileMap) -> None:
    charts = 0
    for path, text in files.items():
        if not path.endswith("/application.yaml"):
            continue
        app = yaml.safe_load(text)
        sources = app["spec"].get("sources")
        if not sources:
            continue
        charts += 1
        name = path.split("/")[-2]
        assert sources[0]["helm"]["valueFiles"] == [f"$values/base/{name}/values.yaml"]
        assert f"{R}/base/{name}/values.yaml" in files
        assert int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) > -10
    assert charts >= 10


def test_no_secret_values(files: FileMap) -> None:
    """The repository's own secret scan finds no key, token or password literal."""
    findings = [f for path, text in files.items() for f in scan_text(text, path)]
    assert findings == []


def test_oci_chart_is_a_helm_oci_source_without_scheme(files: FileMap) -> None:
    """Argo CD reads an `oci://` repoURL as a plain OCI artifact and ignores `chart`."""
    for path, text in files.items():
        if not path.endswith("/application.yaml"):
            continue
        for source in yaml.safe_load(text)["spec"].get("sources", []):
            assert not source["repoURL"].startswith("oci://"), path
    strimzi = catalog.chart("strimzi")
    location = argocd_chart_location(strimzi.ref)
    assert location == ("quay.io", "strimzi-helm/strimzi-kafka-operator")
    assert argocd_chart_location(catalog.chart("traefik").ref) == (
        "https://traefik.github.io/charts",
        "traefik",
    )
