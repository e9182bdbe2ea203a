"""The random agent: uniform over the profile's action set. The baseline every score is
normalized against (random = 0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
import numpy as np

from arena import POSITIVE, Agent, AgentContext, RegisterAgent, hookimpl
from arena.errors import AgentError


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


OPTIONS = [
    click.Option(
        ["--repeat"], type=POSITIVE, default=1, help="hold each chosen action for N agent steps"
    ),
]


def build(context: AgentContext) -> RandomAgent:
    if context.checkpoint is not None:
        raise AgentError("the random agent has no checkpoint to load", "drop --checkpoint")
    return RandomAgent(context.spec.n_actions, context.seed, context.options["repeat"])


@hookimpl
def arena_register_agents(register: RegisterAgent) -> None:
    register(
        "random",
        build,
        "uniformly random actions from the profile's action set",
        options=OPTIONS,
        checkpoint=False,
    )
