"""Registers the game profiles and benchmark suites that ship with retro-arena (``arena.games``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from arena import RegisterGame, RegisterSuite, hookimpl

GAMES = Path(str(files("arena.games")))


@hookimpl
def arena_register_games(register: RegisterGame) -> None:
    for path in sorted(GAMES.glob("*.yaml")):
        register(path)


@hookimpl
def arena_register_suites(register: RegisterSuite) -> None:
    for path in sorted((GAMES / "suites").glob("*.yaml")):
        register(path)
