"""``arena train NAME``: a trainer a plugin registers, run on a game with the arena's
bookkeeping (a run folder, its lock, the saved parameters that ``--resume`` reads)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.core.errors import UsageError
from arena.core.files import check_output_folder
from arena.core.locks import folder_lock
from arena.core.protocol import TRAINING, ProtocolOptions
from arena.host.entries import parse_entries
from arena.host.manager import PluginHost
from arena.host.trainer import Trainer
from arena.profiles.cheats import check_names
from arena.profiles.loading import Profile
from arena.training.league import LEAGUE
from arena.training.run import TrainRun, parse_overrides

MAX_CONFIG_BYTES = 1 << 20
"""A ``--config`` file of at most 1 MiB (a full PPO or NEAT config is about 3 kB)."""


@dataclass(frozen=True)
class TrainRequest:
    """What ``arena train NAME`` is asked, once ``--resume`` has merged the saved parameters:
    the options every trainer takes, the trainer's own (``options``), and ``parameters``, all
    of them as given, which the run saves for a later ``--resume``."""

    trainer: str
    game: str
    state: str | None = None
    seed: int = 0
    out: Path | None = None
    workers: int = 2
    resume: bool = False
    max_frames: int | None = None
    config: Path | None = None
    overrides: tuple[str, ...] = ()
    protocol: ProtocolOptions = field(default_factory=ProtocolOptions)
    opponent: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)


def check_config(path: Path) -> None:
    """Before a trainer opens ``--config``: a regular file (a FIFO would block it), of a
    bounded size, and (YAML or JSON) bounded nesting. Its settings are the trainer's to check."""
    import yaml

    from arena.core.reading import MAX_NESTING_DEPTH, read_regular_text, yaml_depth

    if not path.exists():
        raise UsageError(f"--config {path}: no such file")
    try:
        text = read_regular_text(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise UsageError(f"--config {path}: cannot read it ({exc.strerror or exc})") from None
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        try:
            deep = yaml_depth(text) > MAX_NESTING_DEPTH
        except yaml.YAMLError:
            return  # malformed: the trainer says so in its own words
        if deep:
            raise UsageError(f"--config {path}: nested more than {MAX_NESTING_DEPTH} levels deep")


def check_opponent(
    host: PluginHost, profile: Profile, state: str, players: int, opponent: str | None
) -> None:
    """A 2-player state is trained against an ``--opponent``; a 1-player one has none. The
    opponent must play the game and see the screen the trainee sees (seats alternate)."""
    if players == 2 and opponent is None:
        raise UsageError(
            f"{profile.name} {state} is for 2 players: name the agent that plays the other seat",
            "add --opponent random (or a trained agent, ppo:PATH)",
        )
    if opponent is None:
        return
    if players != 2:
        raise UsageError(
            f"--opponent: {profile.name} {state} is for 1 player; it has no other seat"
        )
    if opponent == LEAGUE:  # its own snapshots: the trainer checks its fixed entries
        return
    entries = parse_entries([opponent])
    if len(entries) != 1:
        raise UsageError(f"--opponent {opponent!r}: name one agent")
    entry = host.resolve(entries[0])
    if refusal := entry.cannot_play(profile):
        raise UsageError(f"--opponent {opponent}: {refusal}")
    wanted = dict(entry.observation)
    # What its pipeline makes, not how it was declared: a checkpoint trained on this profile
    # names every key of the observation it saw (self-play's earlier model), all alike.
    try:
        theirs = profile.observation.with_overrides(wanted)
    except ValueError as exc:
        raise UsageError(f"--opponent {opponent}: {exc}") from None
    ours = profile.observation
    differ = {
        key: value
        for key, value in dataclasses.asdict(theirs).items()
        if getattr(ours, key) != value
    }
    if differ:
        seen = {key: getattr(ours, key) for key in differ}
        raise UsageError(
            f"--opponent {opponent}: it sees the screen its own way ({differ}, where the "
            f"trainee sees {seen}); the trainee and its opponent take turns in both seats, "
            "so they must see it alike",
            "train against random, or an agent trained with the profile's observation",
        )


def train(host: PluginHost, request: TrainRequest, note: Callable[[str], None]) -> None:
    """Check everything that can be checked, then train in the run folder, holding its lock.
    ``note`` gets the lines worth telling before and after (shaping, an early interrupt)."""
    profile = host.profile(request.game).with_time_limit(request.max_frames)
    state = profile.state(request.state)
    check_names(request.protocol.cheats, profile.cheats, profile.pokes, profile.name)
    check_opponent(host, profile, state.name, state.players, request.opponent)
    if request.config is not None:
        check_config(request.config)
    out = request.out or Path("runs") / f"{request.trainer}-{profile.name}"
    saved = {
        key: str(value) if isinstance(value, Path) else value
        for key, value in {**request.parameters, "out": out}.items()
        if key != "resume"
    }
    run = TrainRun(
        trainer=request.trainer,
        profile=profile,
        state=state.name,
        seed=request.seed,
        out=out,
        workers=request.workers,
        resume=request.resume,
        config=request.config,
        overrides=parse_overrides(request.overrides),
        options=dict(request.options),
        protocol=request.protocol.resolve(TRAINING),
        parameters={"trainer": request.trainer, "parameters": saved},
        opponent=request.opponent,
    )
    check_output_folder(out, "--out")
    run.has_checkpoint = run.resume  # a resumed run had one
    if profile.shaping:
        terms = ", ".join(profile.shaping[0])
        note(
            f"shaping (training only, added to each step's reward): {terms}; returns and the"
            " learning curve count the game's points alone"
        )
    with folder_lock(out, "--out"):
        _train(host.trainers[request.trainer].trainer, run, note)


def _train(trainer: Trainer, run: TrainRun, note: Callable[[str], None]) -> None:
    """Train; a run that ends before its first checkpoint leaves nothing behind."""
    try:
        trainer.train(run)
    except BaseException as exc:
        if not run.has_checkpoint:  # ended before its first checkpoint: nothing to resume
            run.discard()
            if isinstance(exc, KeyboardInterrupt) and run.is_started:
                note("interrupted before the first checkpoint: nothing to resume")
        raise
