"""Every hook a retro-arena plugin can implement.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`, published in
the ``retro_arena`` entry-point group of its package::

    [project.entry-points.retro_arena]
    my-agent = "my_package.plugin"

Registration hooks receive a ``register`` callback instead of returning values, so the core
decides names, detects duplicates and knows which plugin registered what.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from arena.agents import AgentFactory

PROJECT = "retro_arena"
ENTRY_POINT_GROUP = "retro_arena"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

RegisterAgent = Callable[..., None]
"""``register(name: str, factory: AgentFactory, description: str = "")``"""

RegisterGame = Callable[[Path], None]
"""``register(path)``: a profile YAML file; the game's name is the file's stem."""


@hookspec
def arena_register_agents(register: RegisterAgent) -> None:
    """Register agent types by calling ``register(name, factory, description="")``.

    Called once, when the plugin manager starts. ``factory`` is called with an
    :class:`arena.agents.AgentContext` (the game's :class:`arena.env.EnvSpec`, the seed, an
    optional checkpoint path and ``--option`` values) and returns an
    :class:`arena.agents.Agent`. Names are unique across all plugins: a second plugin
    registering the same name is an error that names both plugins.
    """


@hookspec
def arena_register_games(register: RegisterGame) -> None:
    """Register game profiles by calling ``register(path)`` for each profile YAML file.

    Called once, when the plugin manager starts. The profile is validated when it is first
    used. Names (file stems) are unique across all plugins, as for agents.
    """


__all__ = [
    "ENTRY_POINT_GROUP",
    "AgentFactory",
    "arena_register_agents",
    "arena_register_games",
    "hookimpl",
    "hookspec",
]
