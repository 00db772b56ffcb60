"""platform.yaml: the one file a team edits. Models, cross-field rules, loading, JSON Schema."""

from mgctl.config.errors import ConfigError, ConfigIssue
from mgctl.config.loader import load_platform
from mgctl.config.platform import Platform

__all__ = ["ConfigError", "ConfigIssue", "Platform", "load_platform"]
