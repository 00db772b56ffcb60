"""Validation of rendered repositories: helm lint/template, schemas, Pod Security, policy.

Entry point: `mgctl.validate.run.validate_tree(out_dir, config) -> Report` (see docs/validation.md).
"""
