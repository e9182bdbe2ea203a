"""Small file helpers: atomic writes and the package versions stamped into every artifact."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from arena.core.errors import OutputError

STAMPED_PACKAGES = (
    "retro-arena",
    "stable-retro",
    "numpy",
    "opencv-python-headless",
    "pluggy",
    "neat-python",
    "torch",
)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file: a crash or a full disk leaves the
    old file whole and no temporary file behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write it ({exc.strerror or exc})") from None


def output_folder(path: Path, option: str) -> Path:
    """``path`` as a folder the arena can write into, checked before anything is played:
    created if missing; a file there, or a folder that refuses a write, is one clear error."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path}: is a file, not a folder", "give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".arena-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def check_output_folder(path: Path, option: str) -> None:
    """Check up front that ``path`` can be a folder the arena writes into, leaving the disk
    as it was: folders made for the check are removed again."""
    missing = [p for p in [path, *path.parents] if not p.exists()]
    try:
        output_folder(path, option)
    finally:
        for folder in missing:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def output_target(path: Path, option: str, suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` as a file the arena may write (its folder made), checked before anything is
    played: a folder, a symbolic link (the arena never writes through one, to wherever it
    points), a FIFO or a socket (opening one for a write waits for a reader for ever) is one
    clear error, and so is a name whose ending no writer takes (``suffixes``). A character
    device is a file to write (``/dev/null`` discards, ``/dev/full`` is a full disk)."""
    if path.is_symlink():
        raise OutputError(f"{option} {path}: is a symbolic link", "give a plain file's path")
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder, not a file")
    if path.is_fifo() or path.is_socket():
        raise OutputError(f"{option} {path}: is not a regular file (a FIFO or a socket)")
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputError(
            f"{option} {path}: {path.suffix or 'no ending'} is not a kind it writes",
            f"end the name in {', '.join(suffixes)}",
        )
    output_folder(path.parent, option)
    return path


def output_file(path: Path, option: str) -> Path:
    """``path`` as a file the arena can append to (its folder made), checked up front."""
    output_target(path, option)
    try:
        with path.open("a"):
            pass
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None
    return path


def append_line(path: Path, line: str) -> None:
    """Append one line and flush it; a full disk is an error, earlier lines stay intact."""
    size = path.stat().st_size if path.exists() else 0
    try:
        with path.open("a") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        with contextlib.suppress(OSError):  # no half line: cut back to the last whole one
            os.truncate(path, size)
        raise OutputError(f"{path}: cannot append a result ({exc.strerror or exc})") from None


def package_versions() -> dict[str, str]:
    """Python's and the installed versions of the packages results depend on."""
    import platform
    from importlib import metadata  # slow to import: not at `arena --help`

    versions = {"python": platform.python_version()}
    for name in STAMPED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def name_in(folder: Path, path: Path | str) -> str:
    """How a record in ``folder`` names the file ``path``: relative to ``folder``, with ``/``,
    so the folder can move or be shared (an absolute path would tell strangers the sender's
    folders, and a working-folder one breaks once the command runs elsewhere)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(folder).resolve())).as_posix()


def named_file(folder: Path, name: str | None, suffix: str) -> Path | None:
    """The ``suffix`` file a record in ``folder`` names, or None: relative to ``folder`` as
    :func:`name_in` wrote it; a name from an older record (absolute, or relative to the
    folder its command ran in) is found by its last parts below ``folder``. Nothing outside
    ``folder``, which a shared record could name, is ever returned."""
    if not name:
        return None
    root = folder.resolve()
    parts = Path(name).parts
    for start in range(len(parts)):
        if Path(parts[start]).is_absolute() or parts[start] == "..":
            continue
        path = folder.joinpath(*parts[start:])
        if path.suffix == suffix and path.is_file() and path.resolve().is_relative_to(root):
            return path
    return None
