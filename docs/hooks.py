"""MkDocs hooks: pages that are generated from the repository's own files, at build time, so
they cannot drift from them.

- ``<!-- profile-reference -->`` becomes a table per object of ``games/profile.schema.json``.
- ``<!-- include: PATH -->`` becomes the file at PATH (relative to the repository's root) as a
  fenced code block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r"<!-- include: ([\w./-]+) -->")
LANGUAGES = {".py": "python", ".toml": "toml", ".yaml": "yaml", ".md": "markdown"}


def kind(spec: dict[str, Any]) -> str:
    """A schema property's type in words: `integer`, `string or null`, `list of string`,
    `map of StateModel`..."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in spec:
        return " or ".join(dict.fromkeys(kind(s) for s in spec["anyOf"]))
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    t = spec.get("type", "any")
    if t == "array":
        return f"list of {kind(spec.get('items', {}))}"
    if t == "object" and isinstance(spec.get("additionalProperties"), dict):
        return f"map of {kind(spec['additionalProperties'])}"
    return str(t)


def cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def table(model: dict[str, Any]) -> list[str]:
    required = set(model.get("required", []))
    rows = ["| key | type | default | what it is |", "| --- | --- | --- | --- |"]
    for key, spec in model.get("properties", {}).items():
        default = "required" if key in required else f"`{json.dumps(spec.get('default'))}`"
        if key not in required and "default" not in spec:
            default = ""
        rows.append(
            f"| `{key}` | {cell(kind(spec))} | {cell(default)} | "
            f"{cell(spec.get('description', ''))} |"
        )
    return rows


def profile_reference() -> str:
    schema = json.loads((ROOT / "games" / "profile.schema.json").read_text())
    lines = ["## Profile", "", cell(schema.get("description", "")), "", *table(schema)]
    for name, model in sorted(schema.get("$defs", {}).items()):
        if model.get("type") != "object":
            continue
        lines += ["", f"## {name}", "", cell(model.get("description", "")), "", *table(model)]
    return "\n".join(lines) + "\n"


def included(match: re.Match[str]) -> str:
    path = (ROOT / match.group(1)).resolve()
    if ROOT not in path.parents or not path.is_file():
        raise ValueError(f"docs include {match.group(1)!r} is not a file of the repository")
    language = LANGUAGES.get(path.suffix, "")
    return f"```{language}\n# {match.group(1)}\n{path.read_text().rstrip()}\n```"


def on_page_markdown(markdown: str, **_: Any) -> str:
    markdown = markdown.replace("<!-- profile-reference -->", profile_reference())
    return INCLUDE.sub(included, markdown)
