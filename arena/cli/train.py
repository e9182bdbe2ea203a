"""``arena train NAME``: one subcommand per trainer a plugin registers."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from arena.cli.common import Session, echo, host
from arena.core.errors import UsageError, did_you_mean
from arena.host import params
from arena.host.params import PATH

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
            help="for a 2-player state: the agent playing the other seat (random, ppo:PATH...), "
            "or `league`: the trainee's own snapshots and fixed entries (ppo); the trainee's "
            "seat alternates by episode",
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
    from arena.training.run import TRAIN_ARGS

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


COMMON = (
    "game", "state", "seed", "out", "workers", "resume", "max_frames", "config", "overrides",
    "sticky", "noop_max", "cheat", "opponent",
)  # fmt: skip
"""The options every trainer takes; the rest of a command's options are the trainer's own."""


def start_training(ctx: click.Context, name: str, params: dict[str, Any]) -> None:
    from arena.core.protocol import ProtocolOptions
    from arena.services.train import TrainRequest, train

    if params["resume"]:
        params = saved_parameters(ctx, name, params)
    elif params["game"] is None:
        raise UsageError(f"arena train {name} needs --game (or --resume with the --out of a run)")
    request = TrainRequest(
        trainer=name,
        game=params["game"],
        state=params["state"],
        seed=params["seed"],
        out=params["out"],
        workers=params["workers"],
        resume=params["resume"],
        max_frames=params["max_frames"],
        config=params["config"],
        overrides=tuple(params["overrides"]),
        protocol=ProtocolOptions(
            params["sticky"], params["noop_max"], tuple(params.get("cheat") or ())
        ),
        opponent=params.get("opponent"),
        options={k: v for k, v in params.items() if k not in COMMON},
        parameters=params,
    )
    train(host(), request, echo)
