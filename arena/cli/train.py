"""``arena train NAME``: one subcommand per trainer a plugin registers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from arena.core.errors import (
    UsageError,
    did_you_mean,
)
from arena.core.files import check_output_folder
from arena.core.locks import folder_lock
from arena.host import params
from arena.host.params import PATH

if TYPE_CHECKING:
    from arena.host.manager import PluginHost
    from arena.host.training import Trainer, TrainRun
    from arena.profiles.loading import Profile
from arena.cli.common import Session, echo, host

# -- train ---------------------------------------------------------------------------------


class TrainGroup(click.Group):
    """``arena train NAME``: one command per registered trainer, with its own options."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(ctx.ensure_object(Session).host.trainers)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        trainers = ctx.ensure_object(Session).host.trainers
        return train_command(name) if name in trainers else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        ctx.ensure_object(Session).host.refuse_clash("trainer", name)
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            known = self.list_commands(ctx)
            raise click.UsageError(
                f"unknown trainer {name!r}{did_you_mean(name, known)}; valid: {', '.join(known)}",
                ctx,
            )
        return super().resolve_command(ctx, args)


@click.group(cls=TrainGroup)
def train() -> None:
    """Train an agent: `arena train TRAINER --game GAME` (see `arena train TRAINER --help`)."""


def train_command(name: str) -> click.Command:
    trainer = host().trainers[name].trainer
    common = [
        params.game(required=False, help="profile name or .yaml path (required unless --resume)"),
        params.state("save state to train on (default: the profile's)"),
        params.seed("seed of the run"),
        click.Option(
            ["--out"], type=PATH, metavar="DIR", help="run folder (default: runs/NAME-GAME)"
        ),
        params.workers(),
        click.Option(
            ["--resume"],
            is_flag=True,
            help="continue the run in --out with its saved options (options given now win)",
        ),
        params.max_frames(),
        click.Option(["--config"], type=PATH, help="a complete config file replacing the defaults"),
        click.Option(
            ["--set", "overrides"],
            multiple=True,
            metavar="KEY=VALUE",
            help="override one config key (repeatable)",
        ),
        *params.protocol("0 while training"),
        click.Option(
            ["--opponent"],
            metavar="AGENT",
            help="for a 2-player state: the agent playing the other seat (random, ppo:PATH...); "
            "the trainee's seat alternates by episode",
        ),
    ]

    @click.pass_context
    def callback(ctx: click.Context, **values: Any) -> None:
        start_training(ctx, name, values)

    return click.Command(
        name,
        params=[*common, *trainer.options()],
        callback=callback,
        help=trainer.description,
        short_help=trainer.description,
    )


def saved_parameters(ctx: click.Context, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """On --resume, the run's saved parameters with those given now on top."""
    from arena.host.training import TRAIN_ARGS

    out = params["out"]
    if out is None:
        raise UsageError("--resume needs --out DIR, the folder of the run to continue")
    from arena.core.reading import loads_json, read_regular_text

    saved_path = out / TRAIN_ARGS
    try:
        saved = loads_json(read_regular_text(saved_path, 1 << 20))
        trainer, values = saved["trainer"], saved["parameters"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(
            f"--resume: {out} holds no run to resume (no readable {TRAIN_ARGS})",
            "start the run without --resume",
        ) from None
    if not isinstance(values, dict) or not isinstance(values.get("game"), str):
        raise UsageError(
            f"--resume: {saved_path} is damaged (its parameters name no game)",
            "start the run again without --resume, or restore the file",
        )
    if trainer != name:
        raise UsageError(f"--resume: {out} is a {trainer} run, not {name}")
    merged = dict(params)
    command = ctx.command
    for param in command.params:
        key = param.name or ""
        given = ctx.get_parameter_source(key) == ParameterSource.COMMANDLINE
        if key in values and not given:
            merged[key] = param.type_cast_value(ctx, values[key])
    merged["resume"] = True
    return merged


MAX_CONFIG_BYTES = 1 << 20
"""A ``--config`` file of at most 1 MiB (a full PPO or NEAT config is about 3 kB)."""


def _check_config(path: Path) -> None:
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


def start_training(ctx: click.Context, name: str, params: dict[str, Any]) -> None:
    from arena.core.protocol import TRAINING, ProtocolOptions
    from arena.host.training import TrainRun, parse_overrides
    from arena.profiles.cheats import check_names

    plugins = host()
    if params["resume"]:
        params = saved_parameters(ctx, name, params)
    elif params["game"] is None:
        raise UsageError(f"arena train {name} needs --game (or --resume with the --out of a run)")
    profile = plugins.profile(params["game"]).with_time_limit(params["max_frames"])
    state = profile.state(params["state"])
    check_names(params.get("cheat") or (), profile.cheats, profile.pokes, profile.name)
    _check_opponent(plugins, profile, state.name, state.players, params.get("opponent"))
    config = params["config"]
    if config is not None:
        _check_config(config)
    out = params["out"] or Path("runs") / f"{name}-{profile.name}"
    saved = {
        key: str(value) if isinstance(value, Path) else value
        for key, value in {**params, "out": out}.items()
        if key != "resume"
    }
    common = {
        "game",
        "state",
        "seed",
        "out",
        "workers",
        "resume",
        "max_frames",
        "config",
        "overrides",
        "sticky",
        "noop_max",
        "cheat",
        "opponent",
    }
    run = TrainRun(
        trainer=name,
        profile=profile,
        state=state.name,
        seed=params["seed"],
        out=out,
        workers=params["workers"],
        resume=params["resume"],
        config=config,
        overrides=parse_overrides(params["overrides"]),
        options={k: v for k, v in params.items() if k not in common},
        protocol=ProtocolOptions(
            params["sticky"], params["noop_max"], tuple(params.get("cheat") or ())
        ).resolve(TRAINING),
        parameters={"trainer": name, "parameters": saved},
        opponent=params.get("opponent"),
    )
    check_output_folder(out, "--out")
    run.has_checkpoint = run.resume  # a resumed run had one
    if profile.shaping:
        terms = ", ".join(profile.shaping[0])
        echo(
            f"shaping (training only, added to each step's reward): {terms}; returns and the"
            " learning curve count the game's points alone"
        )
    with folder_lock(out, "--out"):
        _train(plugins.trainers[name].trainer, run)


def _check_opponent(
    plugins: PluginHost, profile: Profile, state: str, players: int, opponent: str | None
) -> None:
    """A 2-player state is trained against an ``--opponent``; a 1-player one has none. The
    opponent must play the game and see the screen the trainee sees (seats alternate)."""
    from arena.host.entries import parse_entries

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
    entries = parse_entries([opponent])
    if len(entries) != 1:
        raise UsageError(f"--opponent {opponent!r}: name one agent")
    [entry] = entries
    plugins.check_entries(entries)
    if refusal := plugins.cannot_play(entry, profile):
        raise UsageError(f"--opponent {opponent}: {refusal}")
    wanted = plugins.agent(entry.name).observation_overrides(entry.checkpoint_path, entry.options)
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
        raise UsageError(
            f"--opponent {opponent}: it sees the screen its own way ({differ}, where the "
            f"trainee sees {({key: getattr(ours, key) for key in differ})}); the trainee and "
            "its opponent take turns in both seats, so they must see it alike",
            "train against random, or an agent trained with the profile's observation",
        )


def _train(trainer: Trainer, run: TrainRun) -> None:
    """Train; a run that ends before its first checkpoint leaves nothing behind."""
    try:
        trainer.train(run)
    except BaseException as exc:
        if not run.has_checkpoint:  # ended before its first checkpoint: nothing to resume
            run.discard()
            if isinstance(exc, KeyboardInterrupt) and run.is_started:
                echo("interrupted before the first checkpoint: nothing to resume")
        raise
