"""RAM search over a recorded episode, as Cheat Engine narrows candidates: replay the movie,
keep the RAM at the frames the filters name, and keep the addresses whose values pass every
filter. This is how a profile author finds a variable (lives, a score, a timer) without
stable-retro's Integration UI.

A candidate is an address where a value of the chosen type fits inside one of the system's
memory blocks; its value is read the way stable-retro's ``data.json`` types read it (byte order
``|``, ``<``, ``>``, ``=``; kind ``u`` unsigned, ``i`` signed, ``d`` binary-coded decimal; 1 to
8 bytes, BCD 1 to 4).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arena.core.errors import UsageError
from arena.emulation.movies import replay_recorded
from arena.profiles.loading import Profile

RAM_TYPE = re.compile(r"^([|<>=])([uid])([1-8])$")
FRAME_END = "end"
"""A frame may be named ``end``: the movie's last frame."""


@dataclass(frozen=True)
class Filter:
    """One filter: ``equals`` (value at ``frames[0]`` is ``value``), ``increased``,
    ``decreased``, ``changed`` or ``unchanged`` (from ``frames[0]`` to ``frames[1]``)."""

    kind: str
    frames: tuple[int | str, ...]
    value: int | None = None

    def describe(self) -> str:
        if self.kind == "equals":
            return f"--equals {self.frames[0]}={self.value}"
        return f"--{self.kind} {self.frames[0]}:{self.frames[1]}"


def _frame(text: str, option: str) -> int | str:
    if text.strip().lower() == FRAME_END:
        return FRAME_END
    try:
        frame = int(text, 0)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a frame number (or 'end')") from None
    if frame < 1:
        raise UsageError(f"{option}: frame {frame}; frames count from 1")
    return frame


def parse_filters(equals: Sequence[str], ranges: Mapping[str, Sequence[str]]) -> list[Filter]:
    """``--equals FRAME=VALUE`` and ``--KIND A:B`` texts as filters, in that order."""
    filters = []
    for text in equals:
        frame, sep, value = text.partition("=")
        try:
            number = int(value, 0)
        except ValueError:
            number = None
        if not sep or number is None:
            raise UsageError(f"--equals {text!r}: expected FRAME=VALUE, e.g. 1=2")
        filters.append(Filter("equals", (_frame(frame, "--equals"),), number))
    for kind, texts in ranges.items():
        for text in texts:
            first, sep, second = text.partition(":")
            if not sep:
                raise UsageError(f"--{kind} {text!r}: expected A:B (two frames), e.g. 1:end")
            a, b = _frame(first, f"--{kind}"), _frame(second, f"--{kind}")
            filters.append(Filter(kind, (a, b)))
    if not filters:
        raise UsageError("no filter given", "add --equals, --increased, --decreased, --changed "
                         "or --unchanged")  # fmt: skip
    return filters


def check_type(kind: str) -> tuple[str, str, int]:
    match = RAM_TYPE.match(kind)
    if match is None:
        raise UsageError(
            f"--type {kind!r} is not a searchable type",
            "use byte order | < > =, kind u (unsigned), i (signed) or d (BCD), 1 to 8 bytes: "
            "'|u1', '<u2', '>i2', '=d1'",
        )
    order, sign, width = match.group(1), match.group(2), int(match.group(3))
    if sign == "d" and width > 4:
        raise UsageError(f"--type {kind!r}: BCD values of at most 4 bytes")
    return order, sign, width


def values(block: bytes, kind: str) -> np.ndarray:
    """The value of type ``kind`` at every offset of ``block`` where one fits (int64)."""
    order, sign, width = check_type(kind)
    raw = np.frombuffer(block, np.uint8).astype(np.int64)
    count = len(raw) - width + 1
    if count <= 0:
        return np.zeros(0, np.int64)
    big = order == ">" or (order == "=" and sys.byteorder == "big")
    digits = [raw[i : i + count] for i in range(width)]
    if not big:
        digits.reverse()  # most significant first
    total = np.zeros(count, np.int64)
    for byte in digits:  # BCD: two decimal digits a byte
        digit = (byte >> 4) * 10 + (byte & 15) if sign == "d" else byte
        total = total * (100 if sign == "d" else 256) + digit
    if sign == "i":
        limit = 1 << (8 * width - 1)
        total = np.where(total >= limit, total - 2 * limit, total)
    return total


KINDS = ("equals", "increased", "decreased", "changed", "unchanged")


def narrow(
    mask: np.ndarray, kind: str, a: np.ndarray, b: np.ndarray | None, value: int | None
) -> None:
    """Keep in ``mask`` the offsets that pass one filter: ``a`` holds the values at its first
    frame, ``b`` at its second (``equals`` compares ``a`` with ``value``). The one filter code
    of the search over a movie and the live one (``arena serve``)."""
    if kind == "equals":
        mask &= a == value
        return
    assert b is not None
    mask &= {"increased": b > a, "decreased": b < a, "changed": b != a,
             "unchanged": b == a}[kind]  # fmt: skip


@dataclass
class SearchResult:
    counts: list[tuple[Filter, int]]
    """Candidates left after each filter, in order."""
    survivors: list[int]
    """Addresses passing every filter."""
    frames: list[int]
    """The frames the filters name (``end`` resolved)."""
    values: dict[int, list[int]]
    """Each survivor's values at those frames."""
    total: int
    """Candidates before the first filter."""


def snapshots(
    movie: Path, frames: Iterable[int | str], profile: Profile | None = None
) -> tuple[dict[int, dict[int, bytes]], int]:
    """The RAM blocks at each frame named (``end``: the last), and the movie's length."""
    wanted = {f for f in frames if isinstance(f, int)}
    kept: dict[int, dict[int, bytes]] = {}
    last: dict[int, bytes] = {}
    length = 0
    for replayed in replay_recorded(movie, profile):
        length = replayed.frame
        if replayed.frame in wanted or FRAME_END in frames:
            blocks = {start: bytes(b) for start, b in replayed.emulator.memory.blocks.items()}
            if replayed.frame in wanted:
                kept[replayed.frame] = blocks
            last = blocks
    if FRAME_END in frames:
        kept[length] = last
    missing = sorted(f for f in wanted if f > length)
    if missing:
        raise UsageError(f"{movie} holds {length} frames; no frame {missing[0]} in it")
    return kept, length


def search(
    movie: Path, filters: Sequence[Filter], kind: str, profile: Profile | None = None
) -> SearchResult:
    """Keep the addresses whose ``kind`` values pass every filter, counting after each."""
    check_type(kind)
    kept, length = snapshots(movie, [f for flt in filters for f in flt.frames], profile)

    def number(frame: int | str) -> int:
        return length if frame == FRAME_END else int(frame)

    table = {  # frame -> block start -> the value at every offset
        frame: {start: values(block, kind) for start, block in blocks.items()}
        for frame, blocks in kept.items()
    }
    first = table[number(filters[0].frames[0])]
    alive = {start: np.ones(len(v), bool) for start, v in first.items()}
    total = sum(len(v) for v in first.values())
    counts = []
    for flt in filters:
        for start, mask in alive.items():
            a = table[number(flt.frames[0])][start]
            b = None if flt.kind == "equals" else table[number(flt.frames[1])][start]
            narrow(mask, flt.kind, a, b, flt.value)
        counts.append((flt, int(sum(int(m.sum()) for m in alive.values()))))
    found: dict[int, list[int]] = {}
    frames = sorted(table)
    for start, mask in alive.items():
        for offset in np.flatnonzero(mask):
            found[start + int(offset)] = [int(table[f][start][offset]) for f in frames]
    return SearchResult(counts, sorted(found), frames, found, total)


def watch(
    movie: Path, address: int, kind: str, profile: Profile | None = None
) -> list[tuple[int, int]]:
    """``(frame, value)`` of one address at every frame of ``movie``."""
    _, _, width = check_type(kind)
    series = []
    for replayed in replay_recorded(movie, profile):
        blocks = replayed.emulator.memory.blocks
        start = next(
            (s for s, b in blocks.items() if s <= address and address + width <= s + len(b)), None
        )
        if start is None:
            ranges = ", ".join(f"{s}..{s + len(b) - 1}" for s, b in sorted(blocks.items()))
            raise UsageError(f"--address {address}: outside the system's memory ({ranges})")
        piece = bytes(blocks[start])[address - start : address - start + width]
        series.append((replayed.frame, int(values(piece, kind)[0])))
    return series
