"""Two-player matches in one emulator, side-swapped, and round-robin tournaments with ratings.

Each pairing is played twice per seed, once from each side: the two games are a *pair*, and a
pair, not a game, is what is scored and rated. Its winner is the agent with the larger return
summed over both seats (Pong: the point differential), so a game whose seat 1 has an edge
decides nothing by itself; that edge is measured instead (seat 1's share of the points and of
the decided games, with their intervals). Every player sees the shared screen through its own
observation pipeline (its checkpoint's, or the profile's), so agents of any kind meet; a
profile with ``mirror_p2`` shows player 2 its screen flipped left to right, and one with
``swap_colors_p2`` recolored, so every agent sees itself on the same side and in the same
colors.
The ratings are OpenSkill's Plackett-Luce (a mean and an uncertainty per agent, ranked by the
conservative ``mu - 3 sigma``, shown with its 95% interval ``mu +- 2 sigma``), with Elo
alongside for display.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from arena.core.errors import UsageError
from arena.core.files import name_in, output_folder, write_atomic
from arena.core.limits import MAX_RETURN
from arena.core.models import read_record
from arena.core.protocol import EVALUATION, Protocol
from arena.emulation.movies import Finite
from arena.host.entries import AgentSpec, Entry
from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.play.runner import RunConfig, record_episode
from arena.play.slot import EnvSlot
from arena.profiles.loading import Profile

ELO_START, ELO_K = 1500.0, 32.0


@dataclass
class Game:
    """One played game: who was player 1 and 2, their returns, and the winner (None: a draw)."""

    player1: str
    player2: str
    seed: int
    returns: list[float]
    winner: str | None
    forfeit: str | None
    movie: str | None
    gains: list[float]
    """Each seat's positive rewards summed: its points, where rewards are a score differential."""


def two_player_state(profile: Profile, state: str | None) -> str:
    """The state to play: the one given (it must be for 2 players) or the profile's first."""
    if state is not None:
        spec = profile.state(state)
        if spec.players != 2:
            raise UsageError(
                f"{profile.name} state {state!r} is for {spec.players} player(s); a match needs "
                f"a 2-player state"
            )
        return spec.name
    for spec in profile.states.values():
        if spec.players == 2:
            return spec.name
    raise UsageError(
        f"{profile.name} has no 2-player state", "see the README on saving one (Street Fighter II)"
    )


def play_games(
    host: PluginHost,
    agents: Sequence[AgentSpec | Entry],
    profile: Profile,
    state: str,
    seeds: Sequence[int],
    record: Path | None,
    on_game: Callable[[Game], None],
    protocol: Protocol = EVALUATION,
) -> list[Game]:
    """Every pairing of ``agents``, each seed from both sides, in one emulator."""
    entries = host.resolve_entries(agents)
    for a in entries:
        refusal = a.cannot_play(profile)
        if refusal:
            raise UsageError(f"{a.label} cannot play here: {refusal}", "see `arena plugins`")
    observations = {a.label: dict(a.observation) for a in entries}
    # One 2-player emulator, rebuilt only when a seating needs other pipelines than the last.
    slot = EnvSlot()

    def seat(seated: list[dict[str, Any]]) -> ArenaEnv:
        return ArenaEnv(
            profile,
            state,
            protocol=protocol,
            player_observations=seated,
            builders=host.observations,
        )

    games = []
    try:
        for a, b in itertools.combinations(entries, 2):
            for seed in seeds:
                for first, second in ((a, b), (b, a)):
                    seated = [observations[first.label], observations[second.label]]
                    env = slot.get(seated, functools.partial(seat, seated))
                    players = [
                        host.build_agent(first, env.spec_for(0), seed, 0),
                        host.build_agent(second, env.spec_for(1), seed, 1),
                    ]
                    label = f"{first.label}-vs-{second.label}"
                    folder = record / label if record else None
                    config = RunConfig(label, episodes=1, seed=seed, record=folder)
                    result = record_episode(env, players, config, 0)
                    game = Game(
                        first.label,
                        second.label,
                        seed,
                        result.returns,
                        _winner(first.label, second.label, result.returns),
                        result.forfeit,
                        None if result.movie is None or record is None
                        else name_in(record, result.movie),
                        result.gains,
                    )
                    games.append(game)
                    on_game(game)
    finally:
        slot.close()
    return games


@dataclass
class Pair:
    """One seed of a pairing from both seats: ``first`` sat in seat 1 of the first game."""

    first: str
    second: str
    seed: int
    totals: dict[str, float]
    """Each agent's return summed over its two games, one from each seat."""
    winner: str | None


def side_swapped(games: Sequence[Game]) -> list[tuple[Game, Game | None]]:
    """People's games in pairs: each game with the later one of the same seed whose seats
    are swapped (a person who played both seats of a seed), else alone."""
    pairs: list[tuple[Game, Game | None]] = []
    taken: set[int] = set()
    for i, one in enumerate(games):
        if i in taken:
            continue
        swapped = (one.player2, one.player1, one.seed)
        j = next(
            (j for j in range(i + 1, len(games))
             if j not in taken and (games[j].player1, games[j].player2, games[j].seed) == swapped),
            None,
        )  # fmt: skip
        if j is not None:
            taken.add(j)
        pairs.append((one, None if j is None else games[j]))
    return pairs


def people_pairs(games: Sequence[Game]) -> list[Pair]:
    """The pairs of people's games: side-swapped games of a seed scored as agents' pairs
    are, and a game without its other side scored by itself."""
    pairs = []
    for one, two in side_swapped(games):
        a, b = one.player1, one.player2
        if two is None:
            totals = {a: one.returns[0], b: one.returns[1]}
        else:
            totals = {a: one.returns[0] + two.returns[1], b: one.returns[1] + two.returns[0]}
        pairs.append(Pair(a, b, one.seed, totals, _winner(a, b, [totals[a], totals[b]])))
    return pairs


def pairs_of(games: Sequence[Game]) -> list[Pair]:
    """The pairs of :func:`play_games`' games (each seed's two games follow each other)."""
    if len(games) % 2:
        raise ValueError(f"{len(games)} games, an odd number: pairs are two games each")
    pairs = []
    for one, two in zip(games[0::2], games[1::2], strict=True):
        a, b = one.player1, one.player2
        if (two.player1, two.player2, two.seed) != (b, a, one.seed):
            raise ValueError(f"games of seed {one.seed} are not a side-swapped pair")
        totals = {a: one.returns[0] + two.returns[1], b: one.returns[1] + two.returns[0]}
        pairs.append(Pair(a, b, one.seed, totals, _winner(a, b, [totals[a], totals[b]])))
    return pairs


@dataclass
class SeatAdvantage:
    """How much seat 1 is favoured: its share of the decided games (Wilson 95% interval) and
    its share of the points scored (95% bootstrap interval over the pairs, whose games share a
    seed and are not independent). 0.5 is no advantage."""

    decided: int
    seat1_wins: int
    share: float
    low: float
    high: float
    points: float = 0.0
    seat1_points: float = 0.0
    point_share: float = math.nan
    point_low: float = math.nan
    point_high: float = math.nan

    def describe(self) -> str:
        if self.points:
            points = (
                f"seat 1 scored {self.seat1_points:g} of {self.points:g} points, "
                f"{self.point_share:.2f} [{self.point_low:.2f}, {self.point_high:.2f}]"
            )
        else:
            points = "no points scored"
        if self.decided:
            games = (
                f"won {self.seat1_wins} of {self.decided} decided games, "
                f"{self.share:.2f} [{self.low:.2f}, {self.high:.2f}]"
            )
        else:
            games = "no game had a winner"
        return f"seat advantage: {points}; {games} (0.50 is no advantage)"


def seat_advantage(games: Sequence[Game]) -> SeatAdvantage:
    """Seat 1's share of decided games and of points, over side-swapped pairs of ``games``."""
    from arena.core.stats import ratio_interval, wilson_interval

    decided = [g for g in games if g.winner is not None]
    wins = sum(g.winner == g.player1 for g in decided)
    low, high = wilson_interval(wins, len(decided))
    share = wins / len(decided) if decided else math.nan
    pairs = list(zip(games[0::2], games[1::2], strict=True))
    seat1 = [one.gains[0] + two.gains[0] for one, two in pairs]
    scored = [sum(one.gains) + sum(two.gains) for one, two in pairs]
    points = sum(scored)
    point_share = sum(seat1) / points if points else math.nan
    point_low, point_high = ratio_interval(seat1, scored)
    return SeatAdvantage(
        len(decided), wins, share, low, high,
        points, sum(seat1), point_share, point_low, point_high,
    )  # fmt: skip


@dataclass
class Standing:
    agent: str
    mu: float
    sigma: float
    ordinal: float
    elo: float
    wins: int = 0
    draws: int = 0
    losses: int = 0
    pairs: int = 0

    @property
    def interval(self) -> tuple[float, float]:
        """The rating's 95% interval, mu +- 2 sigma."""
        return self.mu - 2 * self.sigma, self.mu + 2 * self.sigma


def rate(agents: Sequence[str], pairs: Sequence[Pair]) -> list[Standing]:
    """OpenSkill (Plackett-Luce) and Elo ratings, updated pair by pair, best first."""
    from openskill.models import PlackettLuce

    model = PlackettLuce()
    skill = {a: model.rating(name=a) for a in agents}
    elo = dict.fromkeys(agents, ELO_START)
    record = {a: [0, 0, 0] for a in agents}  # wins, draws, losses
    for pair in pairs:
        one, two = pair.first, pair.second
        score = 1.0 if pair.winner == one else 0.0 if pair.winner == two else 0.5
        ranks = [0.0, 1.0] if score == 1.0 else [1.0, 0.0] if score == 0.0 else [0.0, 0.0]
        [[skill[one]], [skill[two]]] = model.rate([[skill[one]], [skill[two]]], ranks=ranks)
        expected = 1 / (1 + 10 ** ((elo[two] - elo[one]) / 400))
        elo[one], elo[two] = (
            elo[one] + ELO_K * (score - expected),
            elo[two] - ELO_K * (score - expected),
        )
        for agent, points in ((one, score), (two, 1 - score)):
            record[agent][0 if points == 1 else 1 if points == 0.5 else 2] += 1
    standings = [
        Standing(
            a,
            skill[a].mu,
            skill[a].sigma,
            skill[a].ordinal(),
            elo[a],
            wins=record[a][0],
            draws=record[a][1],
            losses=record[a][2],
            pairs=sum(record[a]),
        )
        for a in agents
    ]
    return sorted(standings, key=lambda s: -s.ordinal)


def unsettled(standings: Sequence[Standing]) -> list[str]:
    """A warning for each two neighbours whose 95% intervals overlap: their order is open."""
    return [
        f"not settled: {better.agent} and {worse.agent} (their 95% intervals overlap; "
        "play more seeds)"
        for better, worse in itertools.pairwise(standings)
        if better.interval[0] <= worse.interval[1]
    ]


def format_standings(standings: Sequence[Standing]) -> str:
    """The table, then a warning for each two neighbours whose intervals overlap."""
    width = max([len(s.agent) for s in standings] + [5])
    columns = (
        f"{'rating (mu-3sigma)':>18} {'mu':>7} {'95% interval':>16} {'Elo':>7}   pairs: W / D / L"
    )
    lines = [f"{'agent':<{width}}  {columns}"]
    for s in standings:
        low, high = s.interval
        lines.append(
            f"{s.agent:<{width}}  {s.ordinal:>18.2f} {s.mu:>7.2f} {f'[{low:.1f}, {high:.1f}]':>16} "
            f"{s.elo:>7.0f}   {s.pairs}: {s.wins} / {s.draws} / {s.losses}"
        )
    lines += unsettled(standings)
    return "\n".join(lines)


TOURNAMENT = "tournament.json"
MAX_TOURNAMENT_BYTES = 64 * 2**20
"""A tournament file's size limit: about 200,000 games, far more than a tournament plays."""


def write_tournament(out: Path, tournament: Tournament) -> Path:
    """``out/tournament.json``: the games (the record), and what was derived from them."""
    output_folder(out, "--record")
    path = out / TOURNAMENT
    protocol = tournament.protocol
    write_atomic(
        path,
        json.dumps(
            {
                "game": tournament.game,
                "state": tournament.state,
                "protocol": {**protocol.as_dict(), "description": protocol.describe()},
                "games": [asdict(g) for g in tournament.games],
                "pairs": [asdict(p) for p in tournament.pairs],
                "seat_advantage": asdict(tournament.advantage),
                "standings": [
                    {**asdict(s), "interval": list(s.interval)} for s in tournament.standings
                ],
            },
            indent=2,
        ),
    )
    return path


@dataclass
class Tournament:
    """Played games and what they give: pairs, ratings and the seat advantage."""

    game: str
    state: str
    protocol: Protocol
    agents: list[str]
    games: list[Game]

    def __post_init__(self) -> None:
        if self.protocol.human:  # people play the seeds they like, a side at a time
            self.pairs = people_pairs(self.games)
            both = [g for one, two in side_swapped(self.games) if two for g in (one, two)]
            self.advantage = seat_advantage(both)
        else:
            self.pairs = pairs_of(self.games)
            self.advantage = seat_advantage(self.games)
        self.standings = rate(self.agents, self.pairs)


Name = Annotated[str, Field(min_length=1, max_length=200)]


class _GameRecord(BaseModel):
    player1: Name
    player2: Name
    seed: Annotated[int, Strict()]
    returns: Annotated[list[Finite], Field(min_length=2, max_length=2)]
    forfeit: str | None = None
    movie: str | None = None
    gains: Annotated[list[Annotated[float, Field(ge=0, le=MAX_RETURN, allow_inf_nan=False)]], Field(
        min_length=2, max_length=2
    )] = [0.0, 0.0]  # fmt: skip


def _without_description(value: Any) -> Any:
    """The protocol block as written, less the line it carries for people."""
    return (
        {k: v for k, v in value.items() if k != "description"} if isinstance(value, dict) else value
    )


class _TournamentRecord(BaseModel):
    model_config = ConfigDict(extra="allow")  # pairs, standings...: derived, recomputed here

    game: Name = "2-player game"
    state: Name = "?"
    protocol: Annotated[Protocol, BeforeValidator(_without_description)]
    games: Annotated[list[_GameRecord], Field(min_length=1)]


def read_tournament(path: Path) -> Tournament:
    """A ``tournament.json`` as :func:`write_tournament` wrote it. Only the games are read:
    the winners, pairs, ratings and seat advantage are derived from them again, so a file
    edited by hand cannot show a table its games do not give."""
    try:
        too_big = path.stat().st_size > MAX_TOURNAMENT_BYTES
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if too_big:
        raise UsageError(f"{path}: over {MAX_TOURNAMENT_BYTES >> 20} MiB, not a tournament")
    record = read_record(path, _TournamentRecord, "a tournament", MAX_TOURNAMENT_BYTES)
    games = [
        Game(
            g.player1, g.player2, g.seed, g.returns,
            _winner(g.player1, g.player2, g.returns), g.forfeit, g.movie, g.gains,
        )
        for g in record.games
    ]  # fmt: skip
    agents = list(dict.fromkeys(name for g in games for name in (g.player1, g.player2)))
    protocol = record.protocol
    try:
        return Tournament(record.game, record.state, protocol, agents, games)
    except ValueError as exc:  # games that are not side-swapped pairs
        raise UsageError(f"{path}: not a tournament ({exc})") from None


def _winner(first: str, second: str, returns: Sequence[float]) -> str | None:
    return first if returns[0] > returns[1] else second if returns[1] > returns[0] else None
