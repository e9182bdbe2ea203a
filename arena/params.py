"""Command-line parameter types and the options several commands share, declared once.

Trainer plugins use these types for their own options (``Trainer.options``). Nothing here
imports the emulator, numpy or torch: ``arena --help`` must stay fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class WholeNumber(click.ParamType):
    """An integer, optionally with a lower bound; the message shows the bad value."""

    name = "integer"

    def __init__(self, minimum: int | None = None) -> None:
        self.minimum = minimum

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
        return number


POSITIVE = WholeNumber(1)
WHOLE = WholeNumber()
PATH = click.Path(path_type=Path)


def game_option(required: bool = True, help: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--game",
        required=required,
        help=help or "profile name (see `arena roms list`) or .yaml path",
    )


def state_option(
    help: str = "save state to start from (default: the profile's)",
) -> Callable[[F], F]:
    return click.option("--state", help=help)


def seed_option(help: str = "seed of the first episode") -> Callable[[F], F]:
    return click.option("--seed", type=WHOLE, default=0, show_default=True, help=help)


def max_frames_option(f: F) -> F:
    return click.option(
        "--max-frames", type=POSITIVE, help="override the profile's time limit (frames)"
    )(f)


def protocol_options(default: str) -> Callable[[F], F]:
    """``--sticky P`` and ``--noop-max N``: the evaluation protocol (see arena/protocol.py)."""

    def decorate(f: F) -> F:
        f = click.option(
            "--noop-max",
            type=WHOLE,
            metavar="N",
            help="up to N no-op frames after each reset, drawn from the seed (default: 0)",
        )(f)
        return click.option(
            "--sticky",
            type=float,
            metavar="P",
            help=f"sticky-action probability per emulated frame, in [0, 1) (default: {default})",
        )(f)

    return decorate


def workers_option(f: F) -> F:
    return click.option(
        "--workers", type=POSITIVE, default=2, show_default=True, help="emulator worker processes"
    )(f)
