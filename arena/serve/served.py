"""What ``arena serve`` serves: its settings, and the games and entries it offers, found once
when it starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arena.host.entries import Entry
from arena.host.manager import PluginHost
from arena.serve.security import Guard
from arena.serve.sessions import Sessions
from arena.services.offers import Playable


@dataclass
class ServeConfig:
    """What ``arena serve`` was asked to serve."""

    runs: Path
    guard: Guard
    entries: tuple[str, ...] = ()
    max_games: int = 4
    player: str = "player"
    profiles: tuple[Path, ...] = ()
    """Profiles offered by path besides the registered games."""


@dataclass
class Served:
    """What the app holds: the games and entries it offers, and its live games."""

    config: ServeConfig
    host: PluginHost
    games: dict[str, Playable]
    entries: dict[str, Entry]
    sessions: Sessions

    def __post_init__(self) -> None:
        self.plays = {  # the games each entry may play (its agent's, its checkpoint's)
            label: [
                name for name, g in self.games.items()
                if entry.cannot_play(self.host.profile(g.source or name)) is None
            ]
            for label, entry in self.entries.items()
        }
