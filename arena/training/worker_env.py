"""How a worker process rebuilds a training run's env: one picklable recipe for every trainer.

A compiled profile holds expressions and is not sent to workers; the recipe names the profile's
file, and each worker loads it again and keeps its env alive across tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arena.core.protocol import TRAINING, Protocol
from arena.host.entries import Entry, parse_entries
from arena.host.manager import default_host
from arena.play.agents import Agent
from arena.play.env import ArenaEnv, GameSpec
from arena.play.observers import SCREEN
from arena.play.opponent import OpponentEnv
from arena.profiles.loading import load_profile
from arena.training.league import LEAGUE, LeagueEnv, LeaguePool
from arena.training.run import TrainRun


@dataclass(frozen=True)
class EnvSetup:
    """A training run's env, as a worker builds it."""

    profile_source: str
    profile_name: str
    state: str
    max_frames: int | None
    observation: Mapping[str, Any] = field(default_factory=dict)
    """Overrides of the profile's observation spec (``inputs`` names a plugin's builder)."""
    protocol: Protocol = TRAINING
    opponent: Entry | str | LeaguePool | None = None
    """The entry that plays the other seat of a 2-player state: its text (``random``,
    ``ppo:PATH``) or, as :meth:`of` gives it, the entry resolved in the parent; the learner's
    seat alternates by episode (see arena.play.opponent). For ``--opponent league``, the
    pool an opponent is drawn from each episode (empty until the trainer fills it)."""

    @classmethod
    def of(cls, run: TrainRun, observation: Mapping[str, Any]) -> EnvSetup:
        profile = run.profile
        opponent: Entry | LeaguePool | None = None
        if run.opponent == LEAGUE:
            opponent = LeaguePool()
        elif run.opponent is not None:
            opponent = _resolved(run.opponent)
        return cls(
            profile.source,
            profile.name,
            run.state,
            profile.max_frames,
            dict(observation),
            run.protocol,
            opponent,
        )

    def game_spec(self) -> GameSpec:
        """What an agent of this env is told (its observation and screen shapes), read from an
        env built and closed in this process: call it before any worker holds an emulator."""
        env = self.make()
        try:
            return env.spec_for(0)
        finally:
            env.close()

    def make(self) -> ArenaEnv | OpponentEnv:
        profile = load_profile(self.profile_source, self.profile_name)
        # Only inputs beyond the screen need the plugins' builders (and so the plugin host).
        uses_plugin = self.observation.get("inputs", SCREEN) != SCREEN
        env = ArenaEnv(
            profile.with_time_limit(self.max_frames),
            self.state,
            protocol=self.protocol,
            builders=default_host().observations if uses_plugin else None,
            shaping=True,  # the profile's training-only terms: this env is for training
            **self.observation,
        )
        if self.opponent is None:
            return env
        host = default_host()
        if isinstance(self.opponent, LeaguePool):

            def draw(entry: Entry, spec: GameSpec, seat: int) -> Agent:
                return host.build_agent(entry, spec, 0, seat)

            try:
                return LeagueEnv(env, draw, self.opponent)
            except BaseException:  # an empty pool: the process's one emulator must go too
                env.close()
                raise
        entry = _resolved(self.opponent)

        def build(spec: GameSpec, seat: int) -> Agent:
            return host.build_agent(entry, spec, 0, seat)

        return OpponentEnv(env, build)


def _resolved(opponent: Entry | str) -> Entry:
    """An opponent's entry, resolved once (its text parsed first)."""
    if isinstance(opponent, Entry):
        return opponent
    [spec] = parse_entries([opponent])
    return default_host().resolve(spec)
