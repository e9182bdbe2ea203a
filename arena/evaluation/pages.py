"""The static pages the arena writes (``arena report``, ``arena inspect``): a template of
``templates/`` rendered, escaped and strict, into ``OUT/index.html``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from arena.core.errors import OutputError
from arena.core.files import output_target

TEMPLATES = Path(__file__).parent  # templates/*.html.j2 beside this module


def write_page(out: Path, template: str, **values: Any) -> Path:
    """Render ``templates/TEMPLATE`` with ``values`` into ``out/index.html``; its path."""
    loader = jinja2.FileSystemLoader(TEMPLATES)
    environment = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined
    )
    page = environment.get_template(f"templates/{template}").render(**values)
    index_html = output_target(out / "index.html", "the page")
    try:
        index_html.write_text(page)
    except OSError as exc:
        raise OutputError(f"{index_html}: cannot write it ({exc.strerror or exc})") from None
    return index_html
