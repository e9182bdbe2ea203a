"""``arena match`` and ``arena tournament``: every pairing of the entries on one 2-player
game (``--game``) or on every 2-player game of a suite (``--suite``), each seed from both
sides, rated; recorded when asked."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from arena.core.errors import UsageError
from arena.core.files import check_output_folder
from arena.core.locks import folder_lock
from arena.core.protocol import EVALUATION, ProtocolOptions
from arena.evaluation.bench import load_suite
from arena.evaluation.match import Game, Tournament, play_games, two_player_state, write_tournament
from arena.evaluation.suite_tournament import (
    SuiteGame,
    SuiteTournament,
    play_suite,
    write_suite_tournament,
)
from arena.host.entries import AgentSpec, legend
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
    if len(request.entries) < 2:
        raise UsageError(f"a tournament needs two or more agents, got {len(request.entries)}")
    protocol = request.protocol.resolve(EVALUATION)
    entries = host.resolve_entries(request.entries)
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


@dataclass(frozen=True)
class SuiteTournamentRequest:
    """Entries (two or more), a suite (its 2-player cells are played), an optional time
    limit over the cells', where to record, and the protocol's options (over the suite's
    ``protocol:`` block, over the evaluation protocol)."""

    entries: list[AgentSpec]
    suite: str
    max_frames: int | None = None
    record: Path | None = None
    protocol: ProtocolOptions = field(default_factory=ProtocolOptions)


@dataclass(frozen=True)
class SuiteTournamentResult:
    played: SuiteTournament
    record: Path | None
    """Its ``tournaments.json`` (None: not recorded)."""


class SuiteProgress(Protocol):
    """Where a suite tournament reports: a terminal, a web page."""

    def note(self, line: str) -> None:
        """A line to show (a cell skipped or left out, the header)."""

    def played(self, item: SuiteGame, game: Game) -> None: ...


def play_suite_tournament(
    host: PluginHost, request: SuiteTournamentRequest, progress: SuiteProgress
) -> SuiteTournamentResult:
    """Every pairing on every 2-player game of the suite, rated per game and overall."""
    if len(request.entries) < 2:
        raise UsageError(f"arena tournament needs two or more agents, got {len(request.entries)}")
    entries = host.resolve_entries(request.entries)
    loaded = load_suite(host, request.suite, request.protocol.cheats, players=2)
    # The suite's cheats are its cells' (load_suite checked --cheat into them), not the block's.
    options = ProtocolOptions(request.protocol.sticky, request.protocol.noop_max)
    protocol = options.resolve(EVALUATION, loaded.protocol)
    record = request.record
    if record:
        check_output_folder(record, "--record")
    for cell, reason in loaded.skipped:
        progress.note(f"skipped   {cell}: {reason}")
    for cell, reason in loaded.elsewhere:
        progress.note(f"left out  {cell}: {reason}")
    if not loaded.cells:
        raise UsageError(f"suite {loaded.name!r}: no 2-player game has its ROM installed",
                         "run `arena roms fetch`")  # fmt: skip
    progress.note(f"suite {loaded.name}: {len(entries)} agents; protocol: {protocol.describe()}")
    for line in legend(entries):
        progress.note(line)

    def left_out(item: SuiteGame, why: str) -> None:
        progress.note(f"left out  {item.game} {item.state}: {why}")

    with folder_lock(record, "--record") if record else contextlib.nullcontext():
        played = play_suite(
            host, entries, loaded, protocol, record, progress.played, left_out, request.max_frames
        )
        if not played.tournaments:
            raise UsageError(f"suite {loaded.name!r}: no game had two agents to play it")
        path = write_suite_tournament(record, played) if record else None
    return SuiteTournamentResult(played, path)
