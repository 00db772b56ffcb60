"""Grafana Alloy as the node log agent (Promtail reached end of life on 2026-03-02).

A DaemonSet tails `/var/log/pods` on its own node (hostPath), parses the CRI format, joins
multi-line records that do not start with a date (the seed's stack traces) and ships to Loki
with the seed's labels app/namespace/pod/container.
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CLUSTER_RBAC, Component, Namespace
from mgctl.render.infra.components import loki

NAMESPACE = "alloy"
RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}
MULTILINE_FIRSTLINE = r"^\d{4}-\d{2}-\d{2}"

CONFIG_TEMPLATE = """\
// Pods on this node only: HOSTNAME is the node name (set by the chart from spec.nodeName).
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pods" {
  path_targets = discovery.relabel.pods.output
}

loki.source.file "pods" {
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}

loki.process "pods" {
  stage.cri { }

  stage.multiline {
    firstline     = "@FIRSTLINE@"
    max_wait_time = "3s"
  }

  stage.label_drop {
    values = ["filename", "stream"]
  }

  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "@PUSH_URL@"
  }
}
"""


def alloy_config() -> str:
    firstline = MULTILINE_FIRSTLINE.replace("\\", "\\\\")  # Alloy strings escape backslashes
    return CONFIG_TEMPLATE.replace("@FIRSTLINE@", firstline).replace("@PUSH_URL@", loki.PUSH_URL)


def values(platform: Platform) -> dict[str, Any]:
    return {
        "alloy": {
            "configMap": {"create": True, "content": alloy_config()},
            "mounts": {"varlog": True, "dockercontainers": False},
            "resources": RESOURCES,
            "clustering": {"enabled": False},
        },
        "controller": {
            "type": "daemonset",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
        },
        "serviceMonitor": {"enabled": True},
        "crds": {"create": False},
    }


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name="alloy",
            namespace=NAMESPACE,
            sync_wave=6,
            chart=catalog.chart("alloy").ref,
            values=values(platform),
            cluster_resources=(*CLUSTER_RBAC,),
            namespaces=(
                Namespace(
                    NAMESPACE,
                    "privileged",
                    reason=(
                        "the log agent DaemonSet mounts the node's /var/log (hostPath), which "
                        "baseline forbids; nothing else runs in this namespace"
                    ),
                ),
            ),
            description="Node log agent: CRI, multiline, labels app/namespace/pod/container",
            seed_deviation="Promtail is end of life (2026-03-02); Alloy replaces it",
        )
    ]
