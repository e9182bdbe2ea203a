"""Self-play leagues: ``arena train ppo --opponent league``.

The learner of a 2-player state meets, episode by episode, an opponent drawn from a pool: its
own snapshots (checkpoints it saved as it trained) and a few fixed entries (``random``). The
newest snapshot is drawn most often (``latest``), a fixed entry a share of the time
(``fixed``), and otherwise one of the older snapshots, uniformly, so that it keeps beating what
it beat before (AlphaStar's and OpenAI Five's past selves, in their simplest form). Every
member is rated with OpenSkill (Plackett-Luce) from the games it plays against the learner; a
new snapshot starts from the learner's rating at the time it was taken.

The pool travels to the env workers with each rollout; a worker draws each episode's opponent
from its own seeded generator, so a run is reproducible, and keeps the last few opponents it
built (a snapshot is a network: building one per episode would cost more than the episode).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arena.core.errors import UsageError
from arena.core.files import write_atomic
from arena.core.reading import loads_json, read_regular_text
from arena.host.entries import AgentSpec, Entry, parse_entries
from arena.host.manager import default_host
from arena.play.agents import Agent
from arena.play.env import ArenaEnv, GameSpec
from arena.play.opponent import OpponentEnv

LEAGUE = "league"
"""``--opponent league``."""
LEARNER = "learner"
"""The learner's name among the rated."""
BUILT_OPPONENTS = 4
"""Opponents a worker keeps built (per seat): the newest snapshot and a few others."""


@dataclass(frozen=True)
class Member:
    """One of the pool: a label, and the entry that plays it (resolved in the parent)."""

    label: str
    entry: Entry


@dataclass(frozen=True)
class LeaguePool:
    """Whom the learner meets, and how often: its snapshots (oldest first) and fixed entries."""

    snapshots: tuple[Member, ...] = ()
    fixed: tuple[Member, ...] = ()
    latest: float = 0.5
    """The share of episodes against the newest snapshot."""
    fixed_share: float = 0.2
    """The share of episodes against one of the fixed entries."""

    def choose(self, rng: np.random.Generator) -> Member:
        """The next episode's opponent. Two draws each time, whatever they decide, so that an
        episode's draw does not depend on the pool's size at the one before."""
        share, pick = rng.random(), rng.random()
        snapshots, fixed = self.snapshots, self.fixed
        if not snapshots:
            return fixed[int(pick * len(fixed))]
        if share < self.latest or (share >= self.latest + self.fixed_share and len(snapshots) == 1):
            return snapshots[-1]
        if share < self.latest + self.fixed_share and fixed:
            return fixed[int(pick * len(fixed))]
        older = snapshots[:-1] or snapshots
        return older[int(pick * len(older))]

    @property
    def members(self) -> tuple[Member, ...]:
        return self.fixed + self.snapshots


def league_members(texts: Sequence[str]) -> tuple[Member, ...]:
    """The fixed entries (``random``, ``held=random,repeat=8``), resolved once."""
    host = default_host()
    return tuple(Member(spec.label, host.resolve(spec)) for spec in parse_entries(list(texts)))


def league_snapshot(label: str, agent: str, checkpoint: Path) -> Member:
    """A snapshot as the pool holds it: its checkpoint played by ``agent``, sampling from its
    policy as the learner does while it trains."""
    spec = AgentSpec(agent, str(checkpoint), label, {"sample": "true"}, labelled=True)
    return Member(label, default_host().resolve(spec))


class LeagueEnv(OpponentEnv):
    """An :class:`OpponentEnv` whose opponent is drawn from a :class:`LeaguePool` at every
    reset; ``pool`` is replaced between rollouts as the league grows."""

    def __init__(
        self,
        env: ArenaEnv,
        build: Callable[[Entry, GameSpec, int], Agent],
        pool: LeaguePool,
        seed: int = 0,
    ) -> None:
        if not pool.members:
            raise UsageError(
                "--opponent league: this trainer does not train in a league", "train with ppo"
            )
        super().__init__(env, lambda spec, seat: build(self.member.entry, spec, seat), seed)
        self.build = build
        self.pool = pool
        self.rng = np.random.default_rng([seed, 0x1EA6])
        self.member = pool.members[-1]
        self._built: OrderedDict[tuple[str, int], Agent] = OrderedDict()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self.rng = np.random.default_rng([seed, 0x1EA6])
        self.member = self.pool.choose(self.rng)
        return super().reset(seed=seed, options=options)

    def opponent(self, seat: int) -> Agent:
        key = (self.member.label, seat)
        if key in self._built:
            self._built.move_to_end(key)
            return self._built[key]
        agent = self.build(self.member.entry, self.env.spec_for(seat), seat)
        self._built[key] = agent
        while len(self._built) > 2 * BUILT_OPPONENTS:
            self._built.popitem(last=False)
        return agent

    def outcome(self) -> float:
        """The episode's result for the learner: 1 won, 0.5 drawn, 0 lost (by return)."""
        mine, theirs = self.env.returns[self.seat], self.env.returns[self.other]
        return 1.0 if mine > theirs else 0.5 if mine == theirs else 0.0


@dataclass
class LeagueRatings:
    """OpenSkill ratings of the learner and every member it has met, with games counted."""

    rated: dict[str, tuple[float, float]] = field(default_factory=dict)
    games: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from openskill.models import PlackettLuce

        self.model = PlackettLuce()
        if LEARNER not in self.rated:
            self.rated[LEARNER] = self._fresh()

    def _fresh(self) -> tuple[float, float]:
        rating = self.model.rating()
        return (rating.mu, rating.sigma)

    def add(self, label: str, like: str | None = None) -> None:
        """Rate ``label`` from now on: from ``like``'s rating (a snapshot, the learner's), or
        from scratch."""
        if label not in self.rated:
            self.rated[label] = self.rated[like] if like is not None else self._fresh()
            self.games.setdefault(label, 0)

    def played(self, label: str, outcome: float) -> None:
        """One game of the learner against ``label``: ``outcome`` as :meth:`LeagueEnv.outcome`."""
        self.add(label)
        learner = self.model.create_rating(list(self.rated[LEARNER]))
        other = self.model.create_rating(list(self.rated[label]))
        ranks = [0.0, 0.0] if outcome == 0.5 else [0.0, 1.0] if outcome == 1.0 else [1.0, 0.0]
        [[learner], [other]] = self.model.rate([[learner], [other]], ranks=ranks)
        self.rated[LEARNER] = (learner.mu, learner.sigma)
        self.rated[label] = (other.mu, other.sigma)
        for name in (LEARNER, label):
            self.games[name] = self.games.get(name, 0) + 1

    def rows(self, global_step: int) -> list[dict[str, Any]]:
        """One ``league.csv`` row per rated name: mu, sigma and the ordinal (mu - 3 sigma)."""
        return [
            {
                "global_step": global_step,
                "name": name,
                "mu": round(mu, 4),
                "sigma": round(sigma, 4),
                "ordinal": round(mu - 3 * sigma, 4),
                "games": self.games.get(name, 0),
            }
            for name, (mu, sigma) in sorted(self.rated.items(), key=lambda kv: -kv[1][0])
        ]

    def save(self, path: Path, snapshots: Sequence[str]) -> None:
        data = {"snapshots": list(snapshots), "rated": self.rated, "games": self.games}
        write_atomic(path, json.dumps(data, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> tuple[LeagueRatings, list[str]]:
        """The ratings and snapshot labels saved at a checkpoint (``league.json``)."""
        try:
            data = loads_json(read_regular_text(path, 16 << 20))
            rated = {str(k): (float(v[0]), float(v[1])) for k, v in data["rated"].items()}
            games = {str(k): int(v) for k, v in data["games"].items()}
            snapshots = [str(s) for s in data["snapshots"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise UsageError(f"{path}: not a league record ({exc})") from None
        return cls(rated, games), snapshots


LEAGUE_FIELDS = ["global_step", "name", "mu", "sigma", "ordinal", "games"]


def check_league_shares(latest: float, fixed_share: float, fixed: Sequence[str]) -> None:
    """The shares must leave room for each other, and a fixed share needs fixed entries."""
    if latest + fixed_share > 1:
        raise UsageError(
            f"league_latest {latest} + league_fixed {fixed_share} is over 1",
            "lower one: the rest of the episodes go to older snapshots",
        )
    if fixed_share > 0 and not fixed:
        raise UsageError(
            "league_fixed is over 0 but league_entries is empty", "name one, e.g. random"
        )
