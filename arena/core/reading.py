"""Reading what strangers hand over: files that must be regular files of a bounded size, and
JSON or YAML whose nesting is bounded before a recursive parser sees it.

A FIFO where a profile, a results file or a checkpoint is expected would block a plain
``open`` forever; a device would stream without end; JSON nested 100,000 deep ends Python's
parser in a RecursionError. Every reader of a shared file goes through here first.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from arena.core.errors import ArenaError

MAX_NESTING_DEPTH = 100
"""Brackets (JSON) or collections (YAML) inside each other: the arena's own files nest fewer
than 10 deep."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class NotRegularFileError(OSError):
    """A path that is a FIFO, a socket, a device or a folder where a file is expected."""


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file (checked on the open file, so a FIFO
    never blocks) of at most ``limit`` bytes; ``OSError`` otherwise, with ``strerror`` saying
    what is wrong."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(0, "not a regular file (a FIFO, device or folder)", str(path))
        if limit is not None and info.st_size > limit:
            raise OSError(0, f"{info.st_size:,} bytes; the limit is {limit:,}", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise OSError(0, f"over {limit:,} bytes", str(path))
    return data


def read_regular_text(path: Path, limit: int | None = None) -> str:
    return read_regular(path, limit).decode("utf-8", errors="replace")


def check_regular(path: Path) -> None:
    """Raise ``NotRegularFileError`` unless ``path`` is a regular file (symlinks followed)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFileError(0, "not a regular file (a FIFO, device or folder)", str(path))


def json_depth(text: str | bytes) -> int:
    """How deep ``text``'s brackets nest (strings skipped), without parsing it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` for shared files: ``ValueError`` for JSON nested over the limit."""
    if json_depth(text) > MAX_NESTING_DEPTH:
        raise ValueError(f"nested more than {MAX_NESTING_DEPTH} levels deep")
    return json.loads(text)


_YAML_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"")


def yaml_depth(text: str) -> int:
    """How deep ``text``'s YAML flow collections (``[...]``, ``{...}``) nest, quoted scalars
    skipped, in one linear pass: PyYAML's scanner slows down quadratically on deep flow
    nesting (5,000 levels take seconds), so this runs first. Block nesting (indentation,
    ``- - -``) is bounded by the composer's recursion, which readers catch."""
    return json_depth(_YAML_QUOTED.sub("", text))


def key_values(pairs: Iterable[str], refuse: Callable[[str], ArenaError]) -> dict[str, str]:
    """``["key=value", ...]`` as a dict, keys and values stripped: the one reader of the
    KEY=VALUE options (``--option``, ``--set``, an entry's ``,KEY=VALUE``); a pair without
    ``=`` or a key raises ``refuse(pair)``, the error in the option's own words."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise refuse(pair)
        found[key.strip()] = value.strip()
    return found
