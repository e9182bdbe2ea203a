"""Two-player matches in one emulator, side-swapped, and round-robin tournaments with ratings.

Each pairing is played twice per seed, once from each side. A profile with ``mirror_p2`` shows
player 2 its screen flipped left to right, so every agent sees itself on the same side. The
ratings are OpenSkill's Plackett-Luce (a mean and an uncertainty per agent, ranked by the
conservative ``mu - 3 sigma``), with Elo alongside for display.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arena.agents import Agent, AgentContext, AgentState
from arena.bench import AgentSpec
from arena.env import ArenaEnv
from arena.errors import UsageError
from arena.plugin_manager import PluginHost
from arena.profiles import Profile
from arena.runner import RunConfig, record_episode

ELO_START, ELO_K = 1500.0, 32.0


class Mirrored(Agent):
    """Shows the wrapped agent its observations flipped left to right (player 2's view)."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def reset(self, seed: int) -> AgentState:
        return self.agent.reset(seed)

    def act(
        self, observation: np.ndarray, info: Mapping[str, Any], state: AgentState
    ) -> tuple[int, AgentState]:
        flipped = np.ascontiguousarray(np.flip(observation, axis=2))  # axis 2 is the width
        return self.agent.act(flipped, info, state)


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
    checkpoint = Path(spec.checkpoint) if spec.checkpoint else None
    context = AgentContext(env.spec_for_agents, seed, checkpoint, player=player)
    [agent] = host.build_agents(spec.name, context)
    return Mirrored(agent) if player == 1 and env.profile.mirror_p2 else agent


def play_games(
    host: PluginHost,
    agents: Sequence[AgentSpec],
    profile: Profile,
    state: str,
    seeds: Sequence[int],
    record: Path | None,
    on_game: Callable[[Game], None],
) -> list[Game]:
    """Every pairing of ``agents``, each seed from both sides, in one emulator."""
    overrides = {
        a.label: host.agent(a.name).observation_overrides(
            Path(a.checkpoint) if a.checkpoint else None, {}
        )
        for a in agents
    }
    if len({json.dumps(o, sort_keys=True, default=str) for o in overrides.values()}) > 1:
        needs = "; ".join(
            f"{label}: {o or 'the profile default'}" for label, o in overrides.items()
        )
        raise UsageError(
            f"these agents need different observations ({needs}); "
            "a match needs agents that see the same frames"
        )
    env = ArenaEnv(profile, state, **next(iter(overrides.values())))
    games = []
    try:
        for a, b in itertools.combinations(agents, 2):
            for seed in seeds:
                for first, second in ((a, b), (b, a)):
                    players = [
                        _agent(host, first, env, seed, 0),
                        _agent(host, second, env, seed, 1),
                    ]
                    label = f"{first.name}-vs-{second.name}"
                    folder = (
                        record / f"{first.label}-vs-{second.label}".replace("/", "_")
                        if record
                        else None
                    )
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
        env.close()
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


def write_tournament(out: Path, games: Sequence[Game], standings: Sequence[Standing]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tournament.json"
    path.write_text(
        json.dumps(
            {
                "games": [asdict(g) for g in games],
                "standings": [asdict(s) for s in standings],
            },
            indent=2,
        )
    )
    return path
