"""Every hook a retro-arena plugin can implement.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`, published in
the ``retro_arena`` entry-point group of its package::

    [project.entry-points.retro_arena]
    my-agent = "my_package.plugin"

Registration hooks receive a ``register`` callback instead of returning values, so the core
decides names, detects duplicates and knows which plugin registered what.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pluggy

if TYPE_CHECKING:
    import click

    from arena.host.trainer import Trainer
    from arena.play.agents import AgentFactory, ObservationFor
    from arena.play.observers import Builder

PROJECT = "retro_arena"
ENTRY_POINT_GROUP = "retro_arena"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class RegisterAgent(Protocol):
    """``register(name, factory, description="", observation=None, options=None, games=None,
    checkpoint=None)``"""

    def __call__(
        self,
        name: str,
        factory: AgentFactory,
        description: str = "",
        observation: ObservationFor | None = None,
        options: Sequence[click.Option] | None = None,
        games: Iterable[str] | None = None,
        checkpoint: bool | None = None,
    ) -> None: ...


class RegisterFile(Protocol):
    """``register(path)``: a YAML file (a profile or a suite); its name is the file's stem."""

    def __call__(self, path: Path | str) -> None: ...


RegisterGame = RegisterFile
RegisterSuite = RegisterFile


class RegisterCheckpoint(Protocol):
    """``register(name, path, description="")``: a trained checkpoint shipped with the plugin,
    played as ``AGENT:NAME``."""

    def __call__(self, name: str, path: Path | str, description: str = "") -> None: ...


class RegisterTrainer(Protocol):
    """``register(name, trainer)`` with an :class:`arena.Trainer`."""

    def __call__(self, name: str, trainer: Trainer) -> None: ...


class RegisterObservation(Protocol):
    """``register(name, builder, description="")``: ``builder(game, **parameters)`` returns
    an :class:`arena.Observer`."""

    def __call__(self, name: str, builder: Builder, description: str = "") -> None: ...


class RegisterCommand(Protocol):
    """``register(command)``: a click command; ``arena NAME`` runs it."""

    def __call__(self, command: click.Command) -> None: ...


@hookspec
def arena_register_agents(register: RegisterAgent) -> None:
    """Register agent types: ``register(name, factory, description="", ...)``.

    Called once, when the plugin manager starts. ``factory`` is called with an
    :class:`arena.AgentContext` (the game's :class:`arena.GameSpec`, the seed, an optional
    checkpoint path and ``--option`` values) and returns an :class:`arena.Agent`.
    ``observation``, when given, is called with the checkpoint path (or None) and the options
    before the env is built, and returns overrides of the profile's observation spec (e.g.
    ``{"resize": (28, 30), "frame_stack": 1}``); in a 2-player match each player's agent sees
    the shared screen through its own overrides, so agents of different pipelines meet.
    ``options`` declares the agent's options as ``click.Option`` objects (types, defaults,
    help), as trainers declare theirs: the host refuses an unknown key or a bad value before
    anything plays, and the factory finds typed values, defaults filled in, in
    ``context.options`` (see :mod:`arena.host.options`); without a declaration the factory gets
    the ``--option`` / ``,KEY=VALUE`` text as given. ``games`` names the profiles the agent can
    play (None: any); a command refuses the others, and a benchmark leaves those cells out for
    it ("not entered"). ``checkpoint`` declares whether the agent plays a checkpoint: True (it
    needs one), False (it takes none) or None (its factory decides); a command refuses an entry
    against the declaration before anything plays. Names are unique across all plugins: a second
    plugin registering the same name is an error that names both plugins.
    """


@hookspec
def arena_register_suites(register: RegisterSuite) -> None:
    """Register benchmark suites by calling ``register(path)`` for each suite YAML file.

    Called once, when the plugin manager starts. A suite lists cells (game, states, seeds,
    time limit) that ``arena bench`` plays with every agent; it is validated when used.
    Names (file stems) are unique across all plugins.
    """


@hookspec
def arena_register_trainers(register: RegisterTrainer) -> None:
    """Register training algorithms by calling ``register(name, trainer)``.

    Called once, when the plugin manager starts. ``trainer`` is an :class:`arena.Trainer`:
    ``arena train NAME`` adds the click parameters ``trainer.options()`` returns to the shared
    ones (``--game``, ``--out``, ``--resume``...) and calls ``trainer.train(run)``, their values
    in ``run.options``; the trainer calls ``run.started()`` before its first step, which saves
    every parameter for ``--resume``, and writes checkpoints with ``run.save_resumable()``
    (until the first, a failed or interrupted run is removed: nothing that looks resumable is
    left). ``TrainRun`` also finds the checkpoint to resume from, saves on Ctrl-C (and SIGTERM)
    and prints the play command; see :class:`arena.TrainRun`. Usually a plugin registers a
    trainer and the agent that plays what it trains under the same name.
    """


@hookspec
def arena_register_games(register: RegisterGame) -> None:
    """Register game profiles by calling ``register(path)`` for each profile YAML file.

    Called once, when the plugin manager starts. The profile is validated when it is first
    used. Names (file stems) are unique across all plugins, as for agents.
    """


@hookspec
def arena_register_commands(register: RegisterCommand) -> None:
    """Add commands to ``arena`` by calling ``register(command)`` with a ``click.Command``.

    Called once, when the plugin host is first needed: ``arena NAME`` for a name that is not
    a built-in command (``arena --help`` lists only the built-in ones, so it loads no
    plugin; ``arena plugins`` lists every plugin's commands). A command whose name is a
    built-in one, or that another plugin registered, is a conflict that ``arena plugins``
    shows.
    """




@hookspec
def arena_register_checkpoints(register: RegisterCheckpoint) -> None:
    """Register trained checkpoints that ship with the plugin: ``register(name, path,
    description="")``.

    Called once, when the plugin manager starts. An entry then names one by its name where a
    checkpoint's path goes, ``neat-ff:mario-1-1``, from any folder; a file of that name in
    the working folder is still a path (a path always wins). The checkpoint is read and
    checked as any other (its manifest names its agent and game), so it is pickle-free JSON
    or a state dict like every checkpoint. Names are unique across all plugins.
    """


@hookspec
def arena_register_observations(register: RegisterObservation) -> None:
    """Register observation builders: ``register(name, builder, description="")``.

    Called once, when the plugin manager starts. A profile offers inputs beyond the screen
    under ``inputs:``, each naming a builder and its parameters (``tiles: {builder: smb_tiles,
    size: 13}``); an agent picks them with ``--inputs tiles``. When an env is built with those
    inputs, ``builder(game, **parameters)`` is called once per player and returns an
    :class:`arena.Observer`: its ``shape``, ``dtype``, ``low`` and ``high`` declare the
    arrays it returns, ``screens_needed`` how many of a step's last screens it reads (0: RAM
    only), and ``reset(view)`` / ``step(view)`` turn an :class:`arena.GameView` (the
    RAM through ``view.memory.read(address, length)``, and the screens) into an observation.
    A ``ValueError`` or ``TypeError`` from the builder is reported as a bad profile parameter;
    an array of another shape or dtype than declared ends the episode with an error naming
    the builder. Names are unique across all plugins.
    """


__all__ = [  # the hooks and what a plugin passes to them (AgentFactory: see arena.play.agents)
    "ENTRY_POINT_GROUP",
    "RegisterAgent",
    "RegisterCheckpoint",
    "RegisterCommand",
    "RegisterFile",
    "RegisterGame",
    "RegisterObservation",
    "RegisterSuite",
    "RegisterTrainer",
    "arena_register_agents",
    "arena_register_checkpoints",
    "arena_register_commands",
    "arena_register_games",
    "arena_register_observations",
    "arena_register_suites",
    "arena_register_trainers",
    "hookimpl",
    "hookspec",
]
