"""Reading save-state files, bounded: a ``.state`` is gzip-compressed emulator state, and one
from a stranger may be huge on disk or a gzip bomb that inflates without end."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

from arena.core.errors import StateError
from arena.core.reading import read_regular

MAX_STATE_BYTES = 32 << 20
"""A ``.state`` file of at most 32 MiB on disk (an NES state is about 20 kB, Genesis 300 kB)."""
MAX_STATE_INFLATED = 128 << 20
"""... and at most 128 MiB once inflated: a gzip bomb is refused, not expanded."""


def inflate(raw: bytes, where: str) -> bytes:
    """The state inside gzip bytes ``raw``, read no further than :data:`MAX_STATE_INFLATED`."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_STATE_INFLATED + 1)
    except (OSError, EOFError) as exc:
        raise StateError(f"{where}: not a gzip-compressed save state ({exc})") from None
    if len(data) > MAX_STATE_INFLATED:
        raise StateError(
            f"{where}: inflates past {MAX_STATE_INFLATED:,} bytes; no emulator state is that large"
        )
    if not data:
        raise StateError(f"{where}: an empty save state")
    return data


def read_file(path: Path) -> bytes:
    """The inflated state in the ``.state`` file ``path``, bounded on disk and inflated."""
    try:
        raw = read_regular(path, MAX_STATE_BYTES)  # refuses a FIFO, and a file over the limit
    except OSError as exc:
        why = exc.strerror or exc
        raise StateError(f"{path}: cannot read it as a save state ({why})") from None
    return inflate(raw, str(path))


def sha256(state: bytes) -> str:
    return hashlib.sha256(state).hexdigest()


ATARI_TIA = b"\x03\x00\x00\x00TIA"
"""Where the Atari 2600 core's TIA section starts in its save states (a name, length first)."""
ATARI_POINTERS = slice(118, 134)
"""Two 8-byte words of that section that hold the saving process's heap addresses: they
differ between processes and machines (stable-retro's own Pong state carries its maker's),
and play never reads them back (a state plays alike whatever they hold)."""


def comparable(state: bytes) -> bytes:
    """``state`` with what differs between two saves of the same emulator state blanked: the
    Atari core's heap addresses. Two states are the same game state when these are equal."""
    start = state.find(ATARI_TIA)
    if start < 0 or start + ATARI_POINTERS.stop > len(state):
        return state
    blank = bytearray(state)
    where = slice(start + ATARI_POINTERS.start, start + ATARI_POINTERS.stop)
    blank[where] = bytes(ATARI_POINTERS.stop - ATARI_POINTERS.start)
    return bytes(blank)
