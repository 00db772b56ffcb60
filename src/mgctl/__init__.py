"""mgctl: generate, validate and operate a GitOps platform for small teams on k3s."""

__version__ = "0.1.0"
