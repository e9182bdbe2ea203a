"""One command per output folder: two ``arena`` commands writing one folder at once would
interleave results lines, movies and checkpoints. A command holds its folder's lock while it
writes; a second one refuses at once in one line naming the first.

The lock is an ``flock`` on a file named after the folder's resolved path in the system's
temporary folder (not inside the folder: a run that fails before its first checkpoint leaves
nothing behind, and the folder may not exist yet). The kernel drops it when the holder
exits, however it exits, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from arena.core.errors import UsageError

LOCKS = Path(tempfile.gettempdir()) / "retro-arena-locks"


def _lock_file(folder: Path) -> Path:
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:20]
    return LOCKS / f"{key}.lock"


@contextlib.contextmanager
def folder_lock(folder: Path, option: str) -> Iterator[None]:
    """Hold ``folder`` for the life of the ``with`` block, or raise :class:`UsageError`
    naming the command that holds it."""
    LOCKS.mkdir(mode=0o777, parents=True, exist_ok=True)
    path = _lock_file(folder)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode(errors="replace").strip() or "another command"
            raise UsageError(
                f"{option} {folder} is in use by {holder}",
                "wait for it to finish, or give another folder",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} (arena {' '.join(sys.argv[1:])[:200]})".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def taking_turns(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for a short write, waiting for another command's turn to end (two
    ``arena state save`` of one name: the second sees the first's state, and refuses)."""
    LOCKS.mkdir(mode=0o777, parents=True, exist_ok=True)
    fd = os.open(_lock_file(folder).with_suffix(".turn"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
