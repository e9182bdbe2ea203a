"""A 2-player game as one learner sees it: ``arena train ... --opponent AGENT``.

The learner plays one seat of a 2-player state and an opponent agent (random, or a trained
checkpoint) the other. The learner's seat alternates from episode to episode, seat 1 first,
so it learns both sides of the game. One policy can play both only if it can tell which side
it is on: a profile with ``mirror_p2`` shows seat 2 its screen mirrored and one with
``swap_colors_p2`` shows it itself in seat 1's colors, so both sides look alike to it (without
that, 2-player Boxing's seats see the same screen and get opposite rewards). Everything the
learner gets is its own seat's: observation, reward, return; the episode's movie and rules are
the 2-player game's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arena.play.agents import Agent, AgentState
from arena.play.env import ArenaEnv, GameSpec

OpponentFactory = Callable[[GameSpec, int], Agent]
"""Builds the opponent for a seat: (what that seat's agent is told, the seat 0 or 1)."""


class OpponentEnv:
    """``env`` (a 2-player ArenaEnv) with one seat played by the agents ``opponent`` builds."""

    players = 1

    def __init__(self, env: ArenaEnv, opponent: OpponentFactory, seed: int = 0) -> None:
        if env.players != 2:
            raise ValueError(f"an opponent needs a 2-player state, not {env.state.name!r}")
        self.env = env
        self._factory = opponent
        self._opponents: dict[int, Agent] = {}  # by the seat it plays, built when first needed
        self._seed = seed
        self.episodes = 0
        self.seat = 0
        """The learner's seat in the current episode (0: seat 1)."""
        self.action_space = env.action_space
        self.observation_space = env.observation_space[0]  # type: ignore[index]  # a Tuple
        self._observations: Any = None
        self._info: dict[str, Any] = {}
        self._state: AgentState = None

    @property
    def other(self) -> int:
        return 1 - self.seat

    @property
    def frame(self) -> int:
        return self.env.frame

    @property
    def returns(self) -> list[float]:
        """The learner's return this episode, as a 1-player env's ``returns``."""
        return [self.env.returns[self.seat]]

    def spec_for(self, player: int = 0) -> GameSpec:
        """What the learner is told: a seat of the 2-player game (both seats see alike)."""
        return self.env.spec_for(player)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self._seed = seed
        self.seat = self.episodes % 2
        observations, info = self.env.reset(seed=seed, options=options)
        opponent = self._opponent()
        self._state = opponent.reset(self._seed * 100_003 + self.episodes)
        self.episodes += 1
        self._observations, self._info = observations, info
        return observations[self.seat], self._learner_info(info)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        other, self._state = self._opponent().act(
            self._observations[self.other], self._info, self._state
        )
        actions = [0, 0]
        actions[self.seat], actions[self.other] = int(action), int(other)
        observations, _, terminated, truncated, info = self.env.step(tuple(actions))
        self._observations, self._info = observations, info
        reward = float(info["rewards"][self.seat])
        return observations[self.seat], reward, terminated, truncated, self._learner_info(info)

    def _opponent(self) -> Agent:
        return self.opponent(self.other)

    def opponent(self, seat: int) -> Agent:
        """The opponent's agent for ``seat`` (0 or 1), built the first time it is needed."""
        if seat not in self._opponents:
            self._opponents[seat] = self._factory(self.env.spec_for(seat), seat)
        return self._opponents[seat]

    def _learner_info(self, info: dict[str, Any]) -> dict[str, Any]:
        """The 2-player info, told from the learner's seat: its return, and the progress
        measure only where it is the learner's own (the profile's is seat 1's)."""
        mine = dict(info)
        mine["returns"] = [self.env.returns[self.seat]]
        mine["seat"] = self.seat + 1
        if self.seat == 1:
            mine["progress"] = None
        return mine

    def close(self) -> None:
        self.env.close()
