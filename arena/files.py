"""Small file helpers: atomic writes and the package versions stamped into every artifact."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

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
    """Write ``data`` to ``path`` through a temporary file: a crash leaves the old file whole."""
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data)
    os.replace(tmp, path)


def package_versions() -> dict[str, str]:
    """Python's and the installed versions of the packages results depend on."""
    versions = {"python": platform.python_version()}
    for name in STAMPED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
