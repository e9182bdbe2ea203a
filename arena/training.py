"""What a training algorithm plugs into: ``arena train NAME`` and the pieces trainers share."""

from __future__ import annotations

import abc
import argparse
import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.errors import UsageError
from arena.profiles import Profile
from arena.protocol import TRAINING, Protocol


@dataclass
class TrainRun:
    """One ``arena train`` invocation, with the options every trainer gets."""

    trainer: str
    profile: Profile
    state: str
    seed: int
    out: Path
    """Folder for checkpoints, logs, plots and movies."""
    workers: int
    resume: bool
    config: Path | None = None
    """A complete config file replacing the trainer's defaults (``--config``)."""
    overrides: dict[str, str] = field(default_factory=dict)
    """``--set key=value`` pairs, applied last."""
    args: argparse.Namespace = field(default_factory=argparse.Namespace)
    """The trainer's own options (from its ``add_arguments``)."""
    protocol: Protocol = TRAINING
    """Sticky actions and no-op starts of the training episodes (``--sticky``, ``--noop-max``)."""

    def resume_command(self) -> str:
        """The command line that continues this run (its options are saved in ``out``)."""
        return f"arena train {self.trainer} --out {self.out} --resume"


class Trainer(abc.ABC):
    """A training algorithm. Register one with ``arena_register_trainers``."""

    description: str = ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027 (optional)
        """Add this trainer's own options to ``arena train NAME`` (none by default)."""

    @abc.abstractmethod
    def train(self, run: TrainRun) -> None:
        """Train, writing everything under ``run.out``; Ctrl-C must leave a resumable run."""


def parse_overrides(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["Section.key=value", ...]`` -> dict; a pair without ``=`` is an error."""
    overrides = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {pair!r} is not key=value")
        overrides[key.strip()] = value.strip()
    return overrides


class CsvLog:
    """A CSV of per-iteration statistics, flushed every row; resuming drops rows past the
    point the run resumes from, so a crash never leaves duplicates."""

    def __init__(self, path: Path, fields: Sequence[str], keep_below: int | None = None) -> None:
        self.path, self.fields = path, list(fields)
        rows: list[dict[str, Any]] = []
        if keep_below is not None and path.exists():
            with path.open(newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if int(r[self.fields[0]]) < keep_below]
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, self.fields)
            writer.writeheader()
            writer.writerows(rows)

    def append(self, row: Mapping[str, Any]) -> None:
        with self.path.open("a", newline="") as fh:
            csv.DictWriter(fh, self.fields).writerow(row)

    def rows(self) -> list[dict[str, str]]:
        with self.path.open(newline="") as fh:
            return list(csv.DictReader(fh))
