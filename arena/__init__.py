"""retro-arena: learning agents play classic emulated games (stable-retro) head to head.

The public API: :func:`make` and :func:`parallel_env` (one-line environments), and for
plugin authors :class:`Agent`, :class:`AgentContext`, :data:`hookimpl`. Names are imported on
first use, so ``import arena`` (and ``arena --help``) stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "arena.agents",
    "AgentContext": "arena.agents",
    "AgentState": "arena.agents",
    "ArenaEnv": "arena.env",
    "GameSpec": "arena.env",
    "hookimpl": "arena.hookspecs",
    "make": "arena.envs",
    "parallel_env": "arena.envs",
}

if TYPE_CHECKING:
    from arena.agents import Agent, AgentContext, AgentState
    from arena.env import ArenaEnv, GameSpec
    from arena.envs import make, parallel_env
    from arena.hookspecs import hookimpl


if "gymnasium" in sys.modules:  # `import gymnasium; import arena` registers retro_arena/*
    importlib.import_module("arena.envs")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'arena' has no attribute {name!r}")


__all__ = [
    "Agent",
    "AgentContext",
    "AgentState",
    "ArenaEnv",
    "GameSpec",
    "__version__",
    "hookimpl",
    "make",
    "parallel_env",
]
