"""Two-player matches in one emulator, side-swapped, and round-robin tournaments with ratings.

Each pairing is played twice per seed, once from each side. Every player sees the shared
screen through its own observation pipeline (its checkpoint's, or the profile's), so agents of
any kind meet; a profile with ``mirror_p2`` shows player 2 its screen flipped left to right, so
every agent sees itself on the same side. The ratings are OpenSkill's Plackett-Luce (a mean
and an uncertainty per agent, ranked by the conservative ``mu - 3 sigma``), with Elo alongside
for display.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from arena.agents import Agent, AgentContext
from arena.entries import AgentSpec
from arena.env import ArenaEnv
from arena.errors import UsageError
from arena.files import output_folder, write_atomic
from arena.plugin_manager import PluginHost
from arena.profiles import Profile
from arena.protocol import EVALUATION, Protocol
from arena.runner import RunConfig, record_episode

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


def _agent(host: PluginHost, spec: AgentSpec, env: ArenaEnv, seed: int, player: int) -> Agent:
    context = AgentContext(env.spec_for(player), seed, spec.checkpoint_path, spec.options, player)
    [agent] = host.build_agents(spec.name, context)
    return agent


class Arena:
    """One 2-player emulator whose players see through the pipelines of the agents seated.

    The env is rebuilt only when a seating needs other pipelines than the current one (one
    emulator per process: the old one is closed first).
    """

    def __init__(self, profile: Profile, state: str, protocol: Protocol) -> None:
        self.profile, self.state, self.protocol = profile, state, protocol
        self.env: ArenaEnv | None = None
        self._key = ""

    def seat(self, observations: Sequence[Mapping[str, Any]]) -> ArenaEnv:
        key = json.dumps(observations, sort_keys=True, default=str)
        if self.env is None or key != self._key:
            self.close()
            self.env = ArenaEnv(
                self.profile, self.state, protocol=self.protocol, player_observations=observations
            )
            self._key = key
        return self.env

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None


def play_games(
    host: PluginHost,
    agents: Sequence[AgentSpec],
    profile: Profile,
    state: str,
    seeds: Sequence[int],
    record: Path | None,
    on_game: Callable[[Game], None],
    protocol: Protocol = EVALUATION,
) -> list[Game]:
    """Every pairing of ``agents``, each seed from both sides, in one emulator."""
    observations = {
        a.label: host.agent(a.name).observation_overrides(a.checkpoint_path, a.options)
        for a in agents
    }
    arena = Arena(profile, state, protocol)
    games = []
    try:
        for a, b in itertools.combinations(agents, 2):
            for seed in seeds:
                for first, second in ((a, b), (b, a)):
                    env = arena.seat([observations[first.label], observations[second.label]])
                    players = [
                        _agent(host, first, env, seed, 0),
                        _agent(host, second, env, seed, 1),
                    ]
                    label = f"{first.label}-vs-{second.label}"
                    folder = record / label if record else None
                    config = RunConfig(label, episodes=1, seed=seed, record=folder)
                    result = record_episode(env, players, config, 0)
                    p1, p2 = result.returns
                    winner = first.label if p1 > p2 else second.label if p2 > p1 else None
                    game = Game(
                        first.label,
                        second.label,
                        seed,
                        result.returns,
                        winner,
                        result.forfeit,
                        result.movie,
                    )
                    games.append(game)
                    on_game(game)
    finally:
        arena.close()
    return games


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
    games: int = 0


def rate(agents: Sequence[str], games: Sequence[Game]) -> list[Standing]:
    """OpenSkill (Plackett-Luce) and Elo ratings, updated game by game, best first."""
    from openskill.models import PlackettLuce

    model = PlackettLuce()
    skill = {a: model.rating(name=a) for a in agents}
    elo = dict.fromkeys(agents, ELO_START)
    record = {a: [0, 0, 0] for a in agents}  # wins, draws, losses
    for game in games:
        one, two = game.player1, game.player2
        score = 1.0 if game.winner == one else 0.0 if game.winner == two else 0.5
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
            games=sum(record[a]),
        )
        for a in agents
    ]
    return sorted(standings, key=lambda s: -s.ordinal)


def format_standings(standings: Sequence[Standing]) -> str:
    width = max([len(s.agent) for s in standings] + [5])
    columns = f"{'rating (mu-3sigma)':>18} {'mu':>7} {'sigma':>6} {'Elo':>7}   W / D / L"
    lines = [f"{'agent':<{width}}  {columns}"]
    for s in standings:
        lines.append(
            f"{s.agent:<{width}}  {s.ordinal:>18.2f} {s.mu:>7.2f} {s.sigma:>6.2f} {s.elo:>7.0f}   "
            f"{s.wins} / {s.draws} / {s.losses}"
        )
    return "\n".join(lines)


def write_tournament(
    out: Path, games: Sequence[Game], standings: Sequence[Standing], protocol: Protocol
) -> Path:
    output_folder(out, "--record")
    path = out / "tournament.json"
    write_atomic(
        path,
        json.dumps(
            {
                "protocol": {**protocol.as_dict(), "description": protocol.describe()},
                "games": [asdict(g) for g in games],
                "standings": [asdict(s) for s in standings],
            },
            indent=2,
        ),
    )
    return path
