"""The contract a training algorithm implements, and registers with ``arena_register_trainers``
(its bookkeeping, :class:`arena.training.run.TrainRun`, is a layer above)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from arena.training.run import TrainRun


class Trainer(abc.ABC):
    """A training algorithm. Register one with ``arena_register_trainers``."""

    description: str = ""

    def options(self) -> list[click.Parameter]:
        """This trainer's own options of ``arena train NAME`` as click parameters (none by
        default); their values reach :meth:`train` as ``run.options[name]``."""
        return []

    @abc.abstractmethod
    def train(self, run: TrainRun) -> None:
        """Train, writing everything under ``run.out``: check the settings, call
        ``run.started()`` before the first step and ``run.checkpoint_saved()`` after each
        checkpoint ``--resume`` can continue from; on Ctrl-C leave a resumable run (a run
        with no checkpoint yet is removed by the CLI, so its resume hint would be wrong)."""
