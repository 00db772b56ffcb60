"""Small but real rendered-repo trees for end-to-end validation with the real helm binary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .builders import clean_set, network_policy, to_yaml

LIBRARY_CHART = """\
apiVersion: v2
name: mg-library
type: library
version: 1.0.0
"""

LIBRARY_TEMPLATE = """\
{{- define "mg.service" -}}
{{- $name := .Release.Name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    app.kubernetes.io/name: {{ $name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ $name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ $name }}
    spec:
      securityContext: {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ $name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 8080
          resources: {{- toYaml .Values.resources | nindent 12 }}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          readinessProbe:
            httpGet: {path: /ready, port: http}
          securityContext: {{- toYaml .Values.securityContext | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
spec:
  selector:
    app.kubernetes.io/name: {{ $name }}
  ports:
    - name: http
      port: 80
      targetPort: http
{{- if .Values.networkPolicy }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ $name }}
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: 8080
          protocol: TCP
{{- end }}
---
apiVersion: {{ .Values.externalSecretApiVersion }}
kind: ExternalSecret
metadata:
  name: {{ $name }}
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: ClusterSecretStore
    name: doppler
  target:
    name: {{ $name }}
  dataFrom:
    - extract:
        key: {{ upper $name }}
{{- end }}
"""

SERVICE_VALUES: dict[str, Any] = {
    "replicas": 2,
    "image": {"repository": "ghcr.io/acme/app", "tag": "1.4.2"},
    "podSecurityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    },
    "resources": {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    },
    "networkPolicy": True,
    "externalSecretApiVersion": "external-secrets.io/v1",
}

POSTGRES_CLUSTER: dict[str, Any] = {
    "apiVersion": "postgresql.cnpg.io/v1",
    "kind": "Cluster",
    "metadata": {"name": "{{ .Release.Name }}"},
    "spec": {
        "instances": 2,
        "imageName": "ghcr.io/cloudnative-pg/postgresql:16.6-standard-trixie",
        "storage": {"size": "10Gi"},
    },
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_library(deploy: Path) -> None:
    write(deploy / "_library/Chart.yaml", LIBRARY_CHART)
    write(deploy / "_library/templates/_service.tpl", LIBRARY_TEMPLATE)


def write_service(deploy: Path, name: str, **overrides: Any) -> Path:
    chart = deploy / "services" / name
    write(
        chart / "Chart.yaml",
        f"apiVersion: v2\nname: {name}\nversion: 0.1.0\ndependencies:\n"
        "  - name: mg-library\n    version: 1.0.0\n    repository: file://../../_library\n",
    )
    values = {**SERVICE_VALUES, **overrides}
    write(chart / "values.yaml", yaml.safe_dump(values, sort_keys=False))
    write(chart / "templates/all.yaml", '{{ include "mg.service" . }}\n')
    return chart


def write_database(deploy: Path, name: str) -> Path:
    chart = deploy / "databases" / name
    write(chart / "Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    write(chart / "values.yaml", "{}\n")
    write(chart / "templates/cluster.yaml", yaml.safe_dump(POSTGRES_CLUSTER, sort_keys=False))
    return chart


def write_infrastructure(infra: Path) -> None:
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "tools",
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
        },
    }
    write(infra / "base/tools/namespace.yaml", to_yaml([namespace]))
    write(infra / "base/tools/app.yaml", to_yaml(clean_set("tools", "tools")))
    write(infra / "base/tools/values.yaml", "replicaCount: 1\nnot: [a, kubernetes, object]\n")
    write(infra / "base/extra/policy.yaml", to_yaml([network_policy("other", "tools")]))
    # not Kubernetes objects: must be skipped, not reported
    write(infra / ".github/workflows/ci.yaml", "on: [push]\njobs: {}\n")
    write(infra / "base/tools/kustomization.yaml", "resources: [app.yaml]\n")


def clean_tree(root: Path) -> Path:
    """OUT/ with mg-deploy (library, 2 services, 1 database) and mg-infrastructure."""
    deploy = root / "mg-deploy"
    write_library(deploy)
    write_service(deploy, "api")
    write_service(deploy, "worker")
    write_database(deploy, "postgres-api")
    write_infrastructure(root / "mg-infrastructure")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def write_plain_database(deploy: Path, name: str, instances: Any = 2) -> Path:
    """A database directory of plain manifests (no Chart.yaml), as the renderer writes it."""
    cluster = {
        **POSTGRES_CLUSTER,
        "metadata": {"name": name, "namespace": "databases"},
        "spec": {**POSTGRES_CLUSTER["spec"], "instances": instances},
    }
    return write(deploy / "databases" / name / "cluster.yaml", to_yaml([cluster]))
