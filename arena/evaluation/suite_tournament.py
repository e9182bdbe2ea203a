"""``arena tournament AGENTS --suite duel``: every pairing on every 2-player cell of a suite.

Each game of the suite is a tournament of its own (:class:`~arena.evaluation.match.Tournament`:
its pairs, ratings and seat advantage), recorded in a folder of its own; the overall ratings
rate every pair of every game, game after game in the suite's order. ``tournaments.json`` in
the ``--record`` folder names the games' folders and what the suite gave, and is read back
from them: the games are the record, the rest is derived again.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from arena.core.errors import UsageError
from arena.core.files import output_folder, write_atomic
from arena.core.models import read_record
from arena.core.protocol import Protocol
from arena.evaluation.bench import Cell, Suite
from arena.evaluation.match import (
    TOURNAMENT,
    Game,
    Standing,
    Tournament,
    play_games,
    rate,
    read_tournament,
    write_tournament,
)
from arena.host.entries import AgentSpec, Entry
from arena.host.manager import PluginHost

SUITE_TOURNAMENT = "tournaments.json"
MAX_SUITE_BYTES = 1 << 20
"""A ``tournaments.json`` names folders and derived tables: 1 MiB holds thousands of games."""


@dataclass(frozen=True)
class SuiteGame:
    """One game and state of the suite, with its seeds and time limit (a suite's cells)."""

    game: str
    state: str
    seeds: tuple[int, ...]
    max_frames: int
    cheats: tuple[str, ...]
    source: str = ""

    @property
    def folder(self) -> str:
        """Its folder in the ``--record`` folder: the game and state as a plain name."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{self.game}-{self.state}")


def suite_games(cells: Sequence[Cell]) -> list[SuiteGame]:
    """The suite's cells grouped by game and state (their seeds together), in order."""
    grouped: dict[tuple[str, str, int, tuple[str, ...]], list[Cell]] = {}
    for cell in cells:
        key = (cell.game, cell.state, cell.max_frames, cell.cheats)
        grouped.setdefault(key, []).append(cell)
    return [
        SuiteGame(game, state, tuple(c.seed for c in group), frames, cheats, group[0].source)
        for (game, state, frames, cheats), group in grouped.items()
    ]


@dataclass
class SuiteTournament:
    """A tournament on every game of a suite: each game's, and the ratings over all of them."""

    suite: str
    agents: list[str]
    tournaments: list[Tournament]
    folders: list[str]
    """Each tournament's folder in the ``--record`` folder, one per game of the suite."""

    def __post_init__(self) -> None:
        pairs = [pair for t in self.tournaments for pair in t.pairs]
        self.standings: list[Standing] = rate(self.agents, pairs)


def play_suite(
    host: PluginHost,
    agents: Sequence[AgentSpec | Entry],
    suite: Suite,
    protocol: Protocol,
    record: Path | None,
    on_game: Callable[[SuiteGame, Game], None],
    on_left_out: Callable[[SuiteGame, str], None],
    max_frames: int | None = None,
) -> SuiteTournament:
    """Every pairing of ``agents`` on every game of ``suite``, each seed from both sides. An
    agent that cannot play a game (a checkpoint trained on another) sits that game out."""
    if not suite.cells:
        raise UsageError(f"suite {suite.name!r}: none of its 2-player games can be played")
    tournaments, folders = [], []
    entries = host.resolve_entries(agents)
    items = suite_games(suite.cells)
    for item, name in zip(items, _folders(items), strict=True):
        profile = host.profile(item.source or item.game).with_time_limit(
            max_frames or item.max_frames
        )
        playing = []
        for agent in entries:
            if refusal := agent.cannot_play(profile):
                on_left_out(item, f"{agent.label}: {refusal}")
            else:
                playing.append(agent)
        if len(playing) < 2:
            on_left_out(item, "fewer than two of the agents play it: not played")
            continue
        played_under = protocol.with_cheats(item.cheats)
        folder = record / name if record else None
        report = functools.partial(on_game, item)
        games = play_games(
            host, playing, profile, item.state, item.seeds, folder, report, played_under
        )
        tournament = Tournament(profile.name, item.state, played_under,
                                [a.label for a in playing], games)  # fmt: skip
        if folder:
            write_tournament(folder, tournament)
        tournaments.append(tournament)
        folders.append(name)
    return SuiteTournament(suite.name, [a.label for a in agents], tournaments, folders)


def _folders(items: Sequence[SuiteGame]) -> list[str]:
    """A folder per game of the suite: the game and state, and where two cells share them
    (another time limit, other cheats) a number after the first, so none overwrites another."""
    taken: dict[str, int] = {}
    names = []
    for item in items:
        count = taken[item.folder] = taken.get(item.folder, 0) + 1
        names.append(item.folder if count == 1 else f"{item.folder}-{count}")
    return names


def write_suite_tournament(out: Path, played: SuiteTournament) -> Path:
    """``out/tournaments.json``: the games' folders (each with its tournament.json) and the
    overall standings."""
    output_folder(out, "--record")
    path = out / SUITE_TOURNAMENT
    folders = played.folders
    write_atomic(
        path,
        json.dumps(
            {
                "suite": played.suite,
                "agents": played.agents,
                "games": [
                    {
                        "game": t.game,
                        "state": t.state,
                        "folder": folder,
                        "seat_advantage": asdict(t.advantage),
                    }
                    for t, folder in zip(played.tournaments, folders, strict=True)
                ],
                "standings": [
                    {**asdict(s), "interval": list(s.interval)} for s in played.standings
                ],
            },
            indent=2,
        ),
    )
    return path


Plain = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
]
"""A folder's plain name: no separator, and no leading dot (so neither ``.`` nor ``..``)."""


class _SuiteGameRecord(BaseModel):
    folder: Plain


class _SuiteRecord(BaseModel):
    suite: Annotated[str, Field(min_length=1, max_length=200)]
    agents: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=2)
    ]
    games: Annotated[list[_SuiteGameRecord], Field(min_length=1)]


def read_suite_tournament(path: Path) -> tuple[SuiteTournament, list[Path]]:
    """A ``tournaments.json`` and the folders of its games, each game's tournament read again
    from its own ``tournament.json`` (a folder is a plain name inside the file's folder)."""
    record = read_record(path, _SuiteRecord, "a suite tournament", MAX_SUITE_BYTES)
    folders = [path.parent / g.folder for g in record.games]
    if len(set(folders)) < len(folders):
        raise UsageError(f"{path}: names a game's folder twice (each game would count twice)")
    tournaments = [read_tournament(folder / TOURNAMENT) for folder in folders]
    for folder, tournament in zip(folders, tournaments, strict=True):
        if strangers := set(tournament.agents) - set(record.agents):
            raise UsageError(
                f"{path}: not a suite tournament ({folder.name} has agents it does not list: "
                f"{', '.join(sorted(strangers))})"
            )
    names = [folder.name for folder in folders]
    return SuiteTournament(record.suite, record.agents, tournaments, names), folders
