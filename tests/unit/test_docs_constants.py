"""Every named constant the limits page points at exists where it says, so the page cannot
name a limit the code has moved or dropped."""

import importlib
import re

import docs_pages


def test_every_constant_on_the_limits_page_exists():
    table = docs_pages.section("docs/limits.md", "Shared files, limits and faults")
    named = []
    for row in re.findall(r"^\|.*\|\s*$", table, re.M)[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        names = re.findall(r"`(arena\.[\w.]+|[A-Z_]+)`", cells[-1])
        module = None
        for name in names:
            if name.startswith("arena."):
                module, _, attribute = name.rpartition(".")
            else:
                attribute = name  # "and MAX_X beside it": the same module as the one before
            named.append((module, attribute))
    assert len(named) >= 30
    for module, attribute in named:
        assert module is not None
        assert hasattr(importlib.import_module(module), attribute), f"{module}.{attribute}"
