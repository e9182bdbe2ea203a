"""The agent contract: what the arena calls on every agent, built-in or third-party.

An agent is built by the factory its plugin registered, from an :class:`AgentContext`. The
arena then calls, per episode::

    state = agent.reset(seed)
    action, state = agent.act(observation, info, state)   # once per agent step

Recurrent agents keep their memory in ``state`` (returned and passed back explicitly), never
in hidden attributes, so one agent object can play several episodes or players at once.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arena.play.env import GameSpec

AgentState = Any
"""Whatever an agent carries between steps of an episode (None for stateless agents)."""


@dataclass(frozen=True)
class AgentContext:
    """Everything a factory needs to build an agent for one game."""

    spec: GameSpec
    """The game: observation shape, action names, players, frame skip."""
    seed: int = 0
    """Base seed of the run; agents derive their own randomness from it."""
    checkpoint: Path | None = None
    """A saved agent to load (``--checkpoint``), or None for a fresh one."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The agent's options: typed values, defaults filled in, when the agent declares them
    (``register(..., options=[click.Option(...)])``); else the ``--option key=value`` text."""
    player: int = 0
    """Which player (0 or 1) this agent controls."""
    greedy: bool = True
    """Take the most likely action; False (``--sample``) samples stochastic policies."""


class Agent(abc.ABC):
    """Base class of every agent."""

    def reset(self, seed: int) -> AgentState:
        """Start an episode; return the initial recurrent state (None when there is none)."""
        return None

    @abc.abstractmethod
    def act(
        self, observation: np.ndarray, info: Mapping[str, Any], state: AgentState
    ) -> tuple[int, AgentState]:
        """Choose an action index for ``observation``.

        ``info`` holds the episode's RAM and derived variables, ``frame``, ``step``,
        ``returns`` (per player) and ``progress``. Return the action and the next state.
        """

    def save(self, path: Path) -> None:
        """Write the agent so its factory can load it again from ``checkpoint``."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved")


AgentFactory = Callable[[AgentContext], Agent]
"""Builds one player's agent from what the arena tells it."""

ObservationFor = Callable[[Path | None, Mapping[str, Any]], dict[str, Any]]
"""Given a checkpoint (or None) and the options, the observation overrides an agent needs
(e.g. ``{"resize": (28, 30), "frame_stack": 1}``), read before the env is built."""


def parse_options(pairs: list[str] | None) -> dict[str, str]:
    """Turn ``["key=value", ...]`` into a dict; a pair without ``=`` is an error."""
    from arena.core.errors import UsageError
    from arena.core.reading import key_values

    return key_values(
        pairs or [],
        lambda pair: UsageError(f"--option {pair!r} is not key=value", "e.g. --option epsilon=0.1"),
    )
