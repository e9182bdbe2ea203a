"""Command-line parameter types and the options several commands share, declared once
(``@use(game(), seed(), *protocol("0.25"))``; ``arena train`` builds its commands from the same
objects).

Trainer plugins use these types for their own options (``Trainer.options``). Nothing here
imports the emulator, numpy or torch: ``arena --help`` must stay fast.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from arena.core.limits import MAX_FRAMES

F = TypeVar("F", bound=Callable[..., Any])


class WholeNumber(click.ParamType):
    """An integer, optionally bounded; the message shows the bad value and the bounds."""

    name = "integer"

    def __init__(
        self, minimum: int | None = None, maximum: int | None = None, per_machine: bool = False
    ) -> None:
        self.minimum, self.maximum, self.per_machine = minimum, maximum, per_machine

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            with contextlib.suppress(ValueError):
                number = int(str(value))
        if number is None or (self.minimum is not None and number < self.minimum):
            bound = "" if self.minimum is None else f" >= {self.minimum}"
            self.fail(f"expected a whole number{bound}, got {value!r}", param, ctx)
        if self.maximum is not None and number > self.maximum:
            where = " on this machine" if self.per_machine else ""
            self.fail(f"at most {self.maximum}{where}, got {number}", param, ctx)
        return number


MAX_WORKERS = max(8, 4 * (os.cpu_count() or 1))
"""Worker processes (each one emulator) a command may start: four per core, so a typo such
as ``--workers 10000`` is refused instead of starting thousands of processes."""
POSITIVE = WholeNumber(1)


def backend_option(local: str, ray: str) -> click.Option:
    """``--backend local|ray``, as every trainer that can run on Ray takes it: ``local`` and
    ``ray`` say, in the trainer's words, where its work runs."""
    return click.Option(
        ["--backend"],
        type=click.Choice(["local", "ray"]),
        default="local",
        show_default=True,
        help=f"{local}, or {ray} (on the cluster of RAY_ADDRESS, if set)",
    )
TIME_LIMIT = WholeNumber(1, MAX_FRAMES)
"""A time limit in frames: at most the longest a profile may set (10 hours at 60 frames/s)."""
WORKERS = WholeNumber(1, MAX_WORKERS, per_machine=True)
WHOLE = WholeNumber()
SEED = WholeNumber(0)
"""A seed: numpy's generators take whole numbers >= 0."""
PATH = click.Path(path_type=Path)


def use(*params: click.Parameter) -> Callable[[F], F]:
    """A decorator adding ready-made parameters to a click command, in the order given."""

    def decorate(f: F) -> F:
        existing = getattr(f, "__click_params__", [])
        f.__click_params__ = existing + list(reversed(params))  # type: ignore[attr-defined]
        return f

    return decorate


def game(required: bool = True, help: str | None = None) -> click.Option:
    return click.Option(
        ["--game"],
        required=required,
        help=help or "profile name (see `arena roms list`) or .yaml path",
    )


def state(help: str = "save state to start from (default: the profile's)") -> click.Option:
    return click.Option(["--state"], help=help)


def seed(help: str = "seed of the first episode") -> click.Option:
    return click.Option(["--seed"], type=SEED, default=0, show_default=True, help=help)


def max_frames() -> click.Option:
    return click.Option(
        ["--max-frames"], type=TIME_LIMIT, help="override the profile's time limit (frames)"
    )


def protocol(default: str) -> list[click.Option]:
    """``--sticky P``, ``--noop-max N`` and ``--cheat NAME``: the protocol episodes are played
    under (see arena/core/protocol.py)."""
    return [
        click.Option(
            ["--sticky"],
            type=float,
            metavar="P",
            help=f"sticky-action probability per emulated frame, in [0, 1) (default: {default})",
        ),
        click.Option(
            ["--noop-max"],
            type=WHOLE,
            metavar="N",
            help="up to N no-op frames after each reset, drawn from the seed (default: 0)",
        ),
        click.Option(
            ["--cheat"],
            multiple=True,
            metavar="NAME",
            help="switch on one of the profile's cheats or pokes (repeatable)",
        ),
    ]


def workers() -> click.Option:
    return click.Option(
        ["--workers"],
        type=WORKERS,
        default=2,
        show_default=True,
        help=f"emulator worker processes (at most {MAX_WORKERS} here)",
    )
