"""Registers the game profiles that ship with retro-arena (``arena.games``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from arena import hookimpl
from arena.hookspecs import RegisterGame


def profile_paths() -> list[Path]:
    """The built-in profile files, sorted by name."""
    return sorted(Path(str(files("arena.games"))).glob("*.yaml"))


@hookimpl
def arena_register_games(register: RegisterGame) -> None:
    for path in profile_paths():
        register(path)
