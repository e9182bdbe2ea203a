"""``arena match`` and ``arena tournament --game``: every pairing of the entries on one
2-player game, each seed from both sides, rated; recorded when asked."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from arena.core.errors import UsageError
from arena.core.files import check_output_folder
from arena.core.locks import folder_lock
from arena.core.protocol import EVALUATION, ProtocolOptions
from arena.evaluation.match import Game, Tournament, play_games, two_player_state, write_tournament
from arena.host.entries import AgentSpec
from arena.host.manager import PluginHost
from arena.profiles.cheats import check_names
from arena.profiles.loading import Profile


@dataclass(frozen=True)
class TournamentRequest:
    """Entries (two or more), the game and its 2-player state, seeds, where to record, and
    the protocol's options (resolved here, on the evaluation protocol)."""

    entries: list[AgentSpec]
    game: str
    state: str | None = None
    episodes: int = 1
    seed: int = 0
    max_frames: int | None = None
    record: Path | None = None
    protocol: ProtocolOptions = field(default_factory=ProtocolOptions)


@dataclass(frozen=True)
class TournamentStart:
    """Told once everything is checked, before the first game."""

    profile: Profile
    state: str
    seeds: list[int]
    protocol: str


@dataclass(frozen=True)
class TournamentResult:
    tournament: Tournament
    record: Path | None
    """Its ``tournament.json`` (None: not recorded)."""


class TournamentProgress(Protocol):
    """Where a tournament reports: a terminal, a web page."""

    def started(self, start: TournamentStart) -> None: ...

    def played(self, game: Game) -> None: ...


def play_tournament(
    host: PluginHost, request: TournamentRequest, progress: TournamentProgress
) -> TournamentResult:
    """Play every pairing of ``request.entries`` on the game; each check that can fail does
    so before the emulator starts."""
    entries = request.entries
    if len(entries) < 2:
        raise UsageError(f"a tournament needs two or more agents, got {len(entries)}")
    protocol = request.protocol.resolve(EVALUATION)
    host.check_entries(entries)
    profile = host.profile(request.game).with_time_limit(request.max_frames)
    check_names(protocol.cheats, profile.cheats, profile.pokes, profile.name)
    start = two_player_state(profile, request.state)
    record = request.record
    if record:
        check_output_folder(record, "--record")
    seeds = list(range(request.seed, request.seed + request.episodes))
    progress.started(TournamentStart(profile, start, seeds, protocol.describe()))
    with folder_lock(record, "--record") if record else contextlib.nullcontext():
        games = play_games(host, entries, profile, start, seeds, record, progress.played, protocol)
        played = Tournament(profile.name, start, protocol, [a.label for a in entries], games)
        path = write_tournament(record, played) if record else None
    return TournamentResult(played, path)
