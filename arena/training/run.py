"""What a training algorithm plugs into: ``arena train NAME`` and the pieces trainers share."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.core.errors import AgentError, UsageError
from arena.core.files import write_atomic
from arena.core.protocol import TRAINING, Protocol
from arena.core.reading import key_values
from arena.play.checkpoints import load_checkpoint, save_checkpoint
from arena.profiles.loading import Profile

TRAIN_ARGS = "train-args.json"


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
    options: dict[str, Any] = field(default_factory=dict)
    """The trainer's own options (declared by its ``options()``), by parameter name."""
    protocol: Protocol = TRAINING
    """Sticky actions and no-op starts of the training episodes (``--sticky``, ``--noop-max``)."""
    opponent: str | None = None
    """``--opponent``: the agent entry playing the other seat of a 2-player state."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """Every parameter of this invocation, as ``--resume`` replays them."""
    is_started: bool = False
    created: list[Path] = field(default_factory=list)
    """The folders :meth:`started` made (``out`` and any missing parents), innermost first."""
    has_checkpoint: bool = False
    """Whether the run can be resumed: set by :meth:`checkpoint_saved` (or by resuming)."""

    def started(self) -> None:
        """Call once the settings are valid, before the first step: makes the run resumable
        (its parameters are saved in ``out``). A run that fails before this leaves nothing."""
        self.created = [p for p in [self.out, *self.out.parents] if not p.exists()]
        self.out.mkdir(parents=True, exist_ok=True)
        # Rewritten on --resume too, so options given then (--steps) hold for the next resume.
        write_atomic(self.out / TRAIN_ARGS, json.dumps(self.parameters, indent=1))
        self.is_started = True

    def checkpoint_saved(self) -> None:
        """Call after writing a checkpoint ``--resume`` can continue from."""
        self.has_checkpoint = True

    def discard(self) -> None:
        """Leave nothing that looks resumable (the CLI does this when a run ends before its
        first checkpoint): the saved parameters go, and the folders this run made."""
        if self.created:
            shutil.rmtree(self.created[-1], ignore_errors=True)  # the outermost one it made
        else:
            (self.out / TRAIN_ARGS).unlink(missing_ok=True)

    def resume_command(self) -> str:
        """The command line that continues this run (its options are saved in ``out``)."""
        return f"arena train {self.trainer} --out {self.out} --resume"

    # -- checkpoints: one place for what every trainer does around them --------------------

    @property
    def checkpoints(self) -> Path:
        """Where the resumable checkpoints go, one file per save, named so they sort in order."""
        return self.out / "checkpoints"

    def save_resumable(
        self, name: str, manifest: Mapping[str, Any], payload: bytes, encoding: str
    ) -> Path:
        """Write ``checkpoints/NAME`` atomically; from now on the run can be resumed."""
        path = self.checkpoints / name
        save_checkpoint(path, manifest, payload, encoding)
        self.checkpoint_saved()
        return path

    def load_latest(
        self, agent: str, kind: str, encoding: str, config_hash: str, same_as: str
    ) -> tuple[Path, dict[str, Any], bytes]:
        """``--resume``: the newest checkpoint, checked to be ``agent``'s ``kind`` and written
        with the config this command builds (``config_hash``); ``same_as`` names the options
        that make the config, for the error."""
        found = sorted(self.checkpoints.glob("*.ckpt"))
        if not found:
            raise UsageError(f"--resume: no checkpoint in {self.checkpoints}")
        # A damaged newest checkpoint (cut short by a crash, a full disk, a hand) is skipped
        # for the previous whole one, and said so; if none is whole, the newest's problem.
        skipped: list[tuple[Path, AgentError]] = []
        for path in reversed(found):
            try:
                manifest, payload = load_checkpoint(path, agent, kind, encoding)
            except AgentError as exc:
                skipped.append((path, exc))
                continue
            for bad, why in skipped:
                print(f"--resume: skipping {bad.name}: {why}", file=sys.stderr)
            if manifest.get("config_hash") != config_hash:
                raise AgentError(
                    f"{path} was written with another config than this command builds",
                    f"resume with the same {same_as}, or start a new --out",
                )
            return path, manifest, payload
        raise skipped[0][1]

    @contextmanager
    def saving_on_interrupt(self, save: Callable[[], str | None]) -> Iterator[None]:
        """On Ctrl-C inside the block: ``save()`` writes what can be resumed and says what it
        saved (None: nothing); then the resume hint. A run with no checkpoint at all is left
        to the CLI, which removes it, so no hint points at nothing."""
        try:
            yield
        except KeyboardInterrupt:
            saved = save()
            if saved is not None and self.has_checkpoint:
                print(f"\ninterrupted; {saved}\nresume with: {self.resume_command()}", flush=True)
            raise

    def finished(self, model: Path, agent: str, summary: str) -> None:
        """The last line of a run: where its model is and the command that plays it."""
        if self.opponent is not None:
            # A league's learner against what it was kept honest by (its fixed entries).
            other = "random" if self.opponent == "league" else self.opponent
            play = f"arena match {agent}:{model} {other} --game {self.profile.name}"
            print(f"{summary}: {model}; play it with: {play} --state {self.state}", flush=True)
            return
        play = f"arena run --agent {agent} --checkpoint {model} --game {self.profile.name}"
        print(f"{summary}: {model}; play it with: {play} --state {self.state}", flush=True)


def reseed(seed: int, iteration: int) -> None:
    """Seed Python's, NumPy's and (when loaded) torch's global RNGs from ``(seed, iteration)``.

    Trainers call it at the start of every iteration (generation, update), so a resumed run
    draws exactly what an uninterrupted one would, and no checkpoint stores RNG state, whose
    layout is each library's private business.
    """
    digest = hashlib.sha256(f"{seed}/{iteration}".encode()).digest()
    derived = int.from_bytes(digest[:4], "little")
    random.seed(derived)
    if (numpy := sys.modules.get("numpy")) is not None:
        numpy.random.seed(derived)
    if (torch := sys.modules.get("torch")) is not None:
        torch.manual_seed(derived)


def parse_overrides(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["Section.key=value", ...]`` -> dict; a pair without ``=`` is an error."""
    return key_values(pairs or [], lambda pair: UsageError(f"--set {pair!r} is not key=value"))


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
