"""retro-arena: learning agents play classic emulated games (stable-retro) head to head.

The public API for plugin authors: :class:`Agent`, :class:`AgentContext`, :data:`hookimpl`.
"""

from arena.agents import Agent, AgentContext, AgentState
from arena.env import ArenaEnv, EnvSpec
from arena.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["Agent", "AgentContext", "AgentState", "ArenaEnv", "EnvSpec", "__version__", "hookimpl"]
