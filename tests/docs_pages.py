"""The documentation's pages as tests read them: sections by heading, fenced blocks by language.

Every command block on a page is run by a test; `test_docs.py` holds the map from each page's
sections to the tests that run their blocks, and fails on a block no test claims.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HEADING = re.compile(r"^(#+) (.+)$")
FENCE = re.compile(r"^\s*```(\w*)\s*$")


def pages() -> list[str]:
    """README.md and every page of the docs site, as paths relative to the repository."""
    docs = sorted(str(p.relative_to(ROOT)) for p in DOCS.rglob("*.md"))
    return ["README.md", *docs]


def text(page: str) -> str:
    return (ROOT / page).read_text()


def sections(page: str) -> list[tuple[str, str]]:
    """(heading, body) for each heading of a page, in order; a body runs to the next heading of
    any level. Lines starting with # inside fenced blocks are not headings."""
    out: list[tuple[str, list[str]]] = [("", [])]
    fenced = False
    for line in text(page).splitlines():
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading:
            out.append((heading.group(2).strip(), []))
        else:
            out[-1][1].append(line)
    return [(h, "\n".join(body)) for h, body in out]


def section(page: str, heading: str) -> str:
    """A heading's text with the subsections under it (to the next heading of its level or
    higher)."""
    body = text(page)
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", body, re.M)
    assert match, f"{page} has no heading {heading!r}"
    level = len(match.group(1))
    rest = body[match.end() :]
    lines, fenced = [], False
    for line in rest.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        found = None if fenced else HEADING.match(line)
        if found and len(found.group(1)) <= level:
            break
        lines.append(line)
    return "\n".join(lines)


def blocks(body: str, language: str) -> list[str]:
    """The fenced blocks of one language in a text, without their fences and indentation."""
    found = re.findall(rf"^( *)```{language}\n(.+?)\n\1```", body, re.S | re.M)
    return [
        "\n".join(line[len(indent) :] for line in block.splitlines()) for indent, block in found
    ]


def command_lines(page: str, heading: str | None = None) -> list[str]:
    """The lines of a page's bash blocks (or a section's), in order."""
    body = text(page) if heading is None else section(page, heading)
    return [line for block in blocks(body, "bash") for line in block.splitlines()]
