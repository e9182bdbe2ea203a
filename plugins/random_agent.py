"""The random agent: uniform over the profile's action set. The baseline every score is
normalized against (random = 0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from arena import Agent, AgentContext, hookimpl
from arena.errors import AgentError
from arena.hookspecs import RegisterAgent


class RandomAgent(Agent):
    """Picks each action uniformly; ``--option repeat=N`` holds each choice for N steps."""

    def __init__(self, n_actions: int, seed: int, repeat: int = 1) -> None:
        self.n_actions = n_actions
        self.repeat = repeat
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int) -> tuple[int, int]:
        self.rng = np.random.default_rng(seed)
        return (0, 0)  # (steps left to hold the last action, last action)

    def act(
        self, observation: np.ndarray, info: Mapping[str, Any], state: tuple[int, int]
    ) -> tuple[int, tuple[int, int]]:
        hold, last = state
        if hold > 0:
            return last, (hold - 1, last)
        action = int(self.rng.integers(self.n_actions))
        return action, (self.repeat - 1, action)


def build(context: AgentContext) -> RandomAgent:
    if context.checkpoint is not None:
        raise AgentError("the random agent has no checkpoint to load", "drop --checkpoint")
    unknown = set(context.options) - {"repeat"}
    if unknown:
        raise AgentError(
            f"unknown option(s) for the random agent: {', '.join(sorted(unknown))}",
            "valid: repeat=N",
        )
    try:
        repeat = int(context.options.get("repeat", "1"))
    except ValueError:
        repeat = 0
    if repeat < 1:
        raise AgentError(f"repeat must be a whole number >= 1, got {context.options['repeat']!r}")
    return RandomAgent(context.spec.n_actions, context.seed, repeat)


@hookimpl
def arena_register_agents(register: RegisterAgent) -> None:
    register("random", build, "uniformly random actions from the profile's action set")
