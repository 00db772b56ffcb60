"""Jinja templates of the generated workflows. Delimiters are `[[ ]]` and `[% %]`, so that the
GitHub Actions expressions `${{ }}` in the templates stay as they are."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mgctl.render.ci", "templates"),
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["yaml_str"] = yaml_str
    return env


def yaml_str(value: str) -> str:
    """A YAML single-quoted scalar: never read as a number, bool or null, nothing escaped."""
    return "'" + value.replace("'", "''") + "'"


def render_template(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
