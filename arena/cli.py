"""The ``arena`` command line (click).

Each command sits beside its options; options several commands share come from
:mod:`arena.params`. The plugin host, the emulator, numpy and torch are imported only by the
commands that need them, so ``arena --help`` and ``arena --version`` stay fast. Errors print as
one line with a non-zero exit code; ``arena --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from arena import __version__, params
from arena.errors import (
    ArenaError,
    MovieError,
    OutputError,
    UsageError,
    VerifyError,
    did_you_mean,
)
from arena.files import check_output_folder, output_folder
from arena.params import PATH, POSITIVE, use

if TYPE_CHECKING:
    from arena.plugin_manager import PluginHost
    from arena.profiles import Profile
    from arena.protocol import Protocol
    from arena.roms import ImportReport

EVALUATION_STICKY = "0.25"


@dataclass
class Session:
    """What every command shares: the plugin host, built on first use."""

    debug: bool = False
    _host: PluginHost | None = None

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            from arena.plugin_manager import PluginHost

            self._host = PluginHost()
        return self._host


def host() -> PluginHost:
    return click.get_current_context().find_object(Session).host  # type: ignore[union-attr]


def echo(text: str = "") -> None:
    click.echo(text)


def protocol_from(sticky: float | None, noop_max: int | None, default: Protocol | None):
    """The protocol the options ask for, on top of ``default`` (None: nothing given)."""
    from arena.protocol import EVALUATION, Protocol

    if sticky is None and noop_max is None:
        return default
    base = default or EVALUATION
    protocol = Protocol(
        base.sticky if sticky is None else sticky, base.noop_max if noop_max is None else noop_max
    )
    for key, problem in protocol.problems():
        raise UsageError(f"--{key.replace('_', '-')} {problem}")
    return protocol


def with_time_limit(profile: Profile, max_frames: int | None) -> Profile:
    return profile if max_frames is None else replace(profile, max_frames=max_frames)


# -- the group ---------------------------------------------------------------------------------


class ArenaGroup(click.Group):
    """Built-in commands, then those plugins add (``arena_register_commands``); an unknown
    command is named with the nearest one."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and not ctx.resilient_parsing:
            command = host_commands(ctx).get(name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            known = [*self.list_commands(ctx), *host_commands(ctx)]
            raise click.UsageError(f"unknown command {name!r}{did_you_mean(name, known)}", ctx)
        return super().resolve_command(ctx, args)


def host_commands(ctx: click.Context) -> dict[str, click.Command]:
    return ctx.ensure_object(Session).host.commands


@click.group(
    cls=ArenaGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Commands that plugins add are listed by `arena plugins`.",
)
@click.version_option(__version__, prog_name="retro-arena", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="show tracebacks instead of one-line errors")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """retro-arena: learning agents play classic emulated games (stable-retro) head to head.

    Train agents, benchmark them on shared game suites, play 2-player matches, and replay
    every recorded episode.
    """
    ctx.ensure_object(Session).debug = debug


# -- run -----------------------------------------------------------------------------------


def progress_label(profile: Profile) -> str:
    source = profile.progress.source if profile.progress else ""
    return source if source.isidentifier() else "progress"


@cli.command()
@use(params.game())
@click.option("--agent", default="random", show_default=True, help="agent (see `arena plugins`)")
@use(params.state())
@click.option("--episodes", type=POSITIVE, default=1, show_default=True)
@use(params.seed())
@click.option("--record", type=PATH, metavar="DIR", help="write a .bk2 + sidecar per episode")
@click.option(
    "--results",
    type=PATH,
    metavar="FILE",
    help="append results as JSON lines (default: DIR/results.jsonl)",
)
@click.option("--checkpoint", type=PATH, help="a saved agent to load")
@click.option("--option", multiple=True, metavar="KEY=VALUE", help="agent option (repeatable)")
@use(params.max_frames())
@click.option("--sample", is_flag=True, help="sample stochastic policies (default: greedy)")
@click.option(
    "--inputs",
    metavar="NAME",
    help="what the agent sees: screen or inputs the profile offers (default: the checkpoint's)",
)
@use(*params.protocol(EVALUATION_STICKY))
@click.option("--quiet", is_flag=True, help="no progress bar")
def run(
    game: str,
    agent: str,
    state: str | None,
    episodes: int,
    seed: int,
    record: Path | None,
    results: Path | None,
    checkpoint: Path | None,
    option: tuple[str, ...],
    max_frames: int | None,
    sample: bool,
    inputs: str | None,
    sticky: float | None,
    noop_max: int | None,
    quiet: bool,
) -> None:
    """Play episodes of a game with an agent, recording each as .bk2."""
    import statistics

    from tqdm import tqdm

    from arena.agents import AgentContext, parse_options
    from arena.env import ArenaEnv
    from arena.protocol import EVALUATION
    from arena.runner import EpisodeResult, RunConfig, run_episodes

    plugins = host()
    profile = with_time_limit(plugins.profile(game), max_frames)
    start = profile.state(state)
    entry = plugins.agent(agent)  # unknown agents fail before the emulator starts
    options = parse_options(list(option))
    if checkpoint is not None and not checkpoint.exists():
        raise UsageError(f"--checkpoint {checkpoint}: no such file")
    protocol = protocol_from(sticky, noop_max, EVALUATION)
    observation = entry.observation_overrides(checkpoint, options)
    if inputs is not None:
        trained = observation.get("inputs", inputs)
        if trained != inputs:
            raise UsageError(
                f"{checkpoint} was trained on inputs {trained!r}; "
                f"--inputs {inputs} asks for others",
                f"drop --inputs, or give a checkpoint trained on {inputs}",
            )
        observation = {**observation, "inputs": inputs}
    env = ArenaEnv(profile, start.name, protocol=protocol, **observation)
    try:
        context = AgentContext(env.spec_for_agents, seed, checkpoint, options, greedy=not sample)
        agents = [
            plugins.build_agents(agent, replace(context, spec=env.spec_for(p)))[0]
            for p in range(env.players)
        ]
        config = RunConfig(agent, episodes, seed, record, results, checkpoint, options)
        label = progress_label(profile)
        echo(
            f"{profile.title}: {start.name}, {env.players} player(s), agent {agent}, "
            f"{episodes} episode(s) from seed {seed}; protocol: {env.protocol.describe()}"
        )
        bar = tqdm(total=episodes, unit="ep", disable=quiet or None, leave=False)

        def report(result: EpisodeResult) -> None:
            returns = " / ".join(f"{r:.1f}" for r in result.returns)
            progress = "" if result.progress is None else f"  {label} {result.progress:g}"
            ending = (
                f"forfeit: {result.forfeit}" if result.forfeit else f"done {result.done_reason}"
            )
            fps = result.frames / result.seconds if result.seconds else 0.0
            bar.write(
                f"episode {result.episode + 1}/{episodes}  seed {result.seed}  "
                f"return {returns}  frames {result.frames}{progress}  {ending}  "
                f"({result.seconds:.1f} s, {fps:.0f} frames/s)"
            )
            if result.traceback and click.get_current_context().find_object(Session).debug:  # type: ignore[union-attr]
                bar.write(result.traceback.rstrip())
            bar.update()

        played = run_episodes(env, agents, config, report)
        bar.close()
    finally:
        env.close()
    first = [r.episode_return for r in played]
    spread = f" ± {statistics.stdev(first):.1f}" if len(first) > 1 else ""
    echo(
        f"mean return {statistics.fmean(first):.1f}{spread}, best {max(first):.1f}, "
        f"{sum(r.forfeit is not None for r in played)} forfeit(s)"
    )
    if record:
        echo(f"movies and results in {record}/ (watch one: arena play MOVIE.bk2 --video out.mp4)")


# -- play and verify -----------------------------------------------------------------------


def inputs_view(profile: Profile, name: str) -> Callable[[Any], Any]:
    """For ``arena play --inputs NAME``: each replayed frame's inputs, drawn as a grid."""
    from arena import inputs
    from arena.video import inputs_image

    if name == inputs.SCREEN:
        raise UsageError("--inputs screen: the screen is already what the video shows")
    observer = inputs.build(profile, name)
    if observer.screens_needed:
        raise UsageError(f"--inputs {name}: only inputs read from RAM alone can be drawn")

    def draw(replayed: Any) -> Any:
        view = inputs.GameView.of(replayed.emulator, [])
        values = inputs.check_observation(observer, observer.step(view), name)
        height = replayed.emulator.screen().shape[0]
        return inputs_image(values, observer.low, observer.high, height)

    return draw


@cli.command()
@click.argument("movie", type=PATH)
@click.option("--video", type=PATH, metavar="OUT.mp4", help="write an H.264 video (.mp4 or .webm)")
@click.option("--gif", type=PATH, metavar="OUT.gif", help="write an animated GIF")
@click.option("--window", is_flag=True, help="show it on screen (needs a display)")
@click.option(
    "--scale", type=click.IntRange(1, 8), default=2, show_default=True, help="pixel scale (1-8)"
)
@click.option(
    "--inputs",
    "inputs_name",
    metavar="NAME",
    help="draw what an agent on these inputs sees (e.g. tiles) beside the screen",
)
def play(
    movie: Path,
    video: Path | None,
    gif: Path | None,
    window: bool,
    scale: int,
    inputs_name: str | None,
) -> None:
    """Replay a .bk2 into a video (mp4/webm/gif) or a window."""
    from arena.movies import check_movie, read_sidecar, replay, sidecar_path
    from arena.video import VideoSink, Window, render

    if not (video or gif or window):
        raise UsageError("nothing to do: give --video OUT.mp4, --gif OUT.gif or --window")
    for option, path in (("--video", video), ("--gif", gif)):
        if path is not None:
            if path.is_dir():
                raise OutputError(f"{option} {path}: is a folder, not a file")
            output_folder(path.parent, option)
    check_movie(movie)
    profile, sidecar = None, None
    if sidecar_path(movie).exists():  # without one, the overlay shows no return
        sidecar = read_sidecar(movie)
        profile = host().profile_for_movie(sidecar)
    beside = None
    if inputs_name is not None:
        if profile is None:
            raise UsageError(f"--inputs needs the movie's sidecar, {sidecar_path(movie)}")
        beside = inputs_view(profile, inputs_name)
    sinks: list[VideoSink | Window] = [VideoSink(p) for p in (video, gif) if p]
    if window:
        sinks.append(Window())
    frames = render(replay(movie, profile, sidecar), sinks, scale, beside)
    for path in (video, gif):
        if path:
            echo(f"wrote {path} ({frames} frames)")


@cli.command()
@click.argument("path", type=PATH)
@click.option("--sample", type=POSITIVE, help="verify only N movies picked at random")
@use(params.seed("seed of the sample"))
def verify(path: Path, sample: int | None, seed: int) -> None:
    """Re-simulate movies and check frames and returns against their sidecars."""
    import random

    from arena.movies import check_movie, read_sidecar
    from arena.movies import verify as verify_movie

    if path.is_dir():
        movies = sorted(p for p in path.rglob("*.bk2") if not p.name.startswith("."))
        if not movies:
            raise MovieError(f"{path}: no .bk2 movies in this folder")
    else:
        movies = [path]
    if sample is not None and sample < len(movies):
        movies = sorted(random.Random(seed).sample(movies, sample))
    failures = []
    for movie in movies:
        try:
            check_movie(movie)
            sidecar = read_sidecar(movie)
            result = verify_movie(movie, host().profile_for_movie(sidecar), sidecar)
        except (VerifyError, MovieError) as exc:
            if len(movies) == 1:
                raise
            failures.append(str(exc))
            echo(f"FAIL  {exc}")
            continue
        returns = " / ".join(f"{r:.1f}" for r in result.returns)
        echo(f"ok    {movie}  frames {result.frames}  return {returns}")
    if failures:
        raise VerifyError(f"{len(failures)} of {len(movies)} movies do not reproduce their sidecar")
    echo(f"{len(movies)} movie(s) verified")


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
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            known = self.list_commands(ctx)
            raise click.UsageError(
                f"unknown trainer {name!r}{did_you_mean(name, known)}; valid: {', '.join(known)}",
                ctx,
            )
        return super().resolve_command(ctx, args)


@cli.group(cls=TrainGroup)
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
    from arena.training import TRAIN_ARGS

    out = params["out"]
    if out is None:
        raise UsageError("--resume needs --out DIR, the folder of the run to continue")
    saved_path = out / TRAIN_ARGS
    try:
        saved = json.loads(saved_path.read_text())
        trainer, values = saved["trainer"], saved["parameters"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(
            f"--resume: {out} holds no run to resume (no readable {TRAIN_ARGS})",
            "start the run without --resume",
        ) from None
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


def start_training(ctx: click.Context, name: str, params: dict[str, Any]) -> None:
    from arena.protocol import TRAINING
    from arena.training import TrainRun, parse_overrides

    plugins = host()
    plugins.check()
    if params["resume"]:
        params = saved_parameters(ctx, name, params)
    elif params["game"] is None:
        raise UsageError(f"arena train {name} needs --game (or --resume with the --out of a run)")
    profile = with_time_limit(plugins.profile(params["game"]), params["max_frames"])
    state = profile.state(params["state"])
    config = params["config"]
    if config is not None and not config.is_file():
        raise UsageError(f"--config {config}: no such file")
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
        protocol=protocol_from(params["sticky"], params["noop_max"], TRAINING) or TRAINING,
        parameters={"trainer": name, "parameters": saved},
    )
    check_output_folder(out, "--out")
    run.has_checkpoint = run.resume  # a resumed run had one
    try:
        plugins.trainers[name].trainer.train(run)
    except BaseException as exc:
        if not run.has_checkpoint:  # ended before its first checkpoint: nothing to resume
            run.discard()
            if isinstance(exc, KeyboardInterrupt) and run.is_started:
                echo("interrupted before the first checkpoint: nothing to resume")
        raise


# -- bench and the leaderboard ---------------------------------------------------------------

ENTRY = "[LABEL=]NAME[:CHECKPOINT][,KEY=VALUE]..."


@cli.command()
@click.argument("agents", nargs=-1, required=True, metavar=ENTRY)
@click.option("--suite", default="smoke", show_default=True, help="suite name or .yaml path")
@use(params.workers())
@click.option("--out", type=PATH, metavar="DIR", help="results folder (default: runs/bench-SUITE)")
@click.option("--resume", is_flag=True, help="skip the cells already in DIR's results")
@click.option(
    "--backend",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local worker processes, or Ray tasks (set RAY_ADDRESS to use a cluster)",
)
@use(*params.protocol(f"the suite's protocol block, else {EVALUATION_STICKY}"))
def bench(
    agents: tuple[str, ...],
    suite: str,
    workers: int,
    out: Path | None,
    resume: bool,
    backend: str,
    sticky: float | None,
    noop_max: int | None,
) -> None:
    """Play agents on the same cells of a suite; print a leaderboard."""
    from arena.bench import run_bench
    from arena.entries import parse_entries
    from arena.leaderboard import (
        build_leaderboard,
        format_leaderboard,
        load_results,
        write_leaderboard,
    )

    plugins = host()
    plugins.check()
    entries = parse_entries(list(agents))
    protocol = protocol_from(sticky, noop_max, None)  # None: the suite's block, else the default
    out = out or Path("runs") / f"bench-{Path(suite).stem}"
    check_output_folder(out, "--out")
    results = run_bench(plugins, entries, suite, out, workers, resume, echo, backend, protocol)
    board = build_leaderboard(load_results(results), plugins)
    echo(format_leaderboard(board))
    csv_path, json_path = write_leaderboard(board, out)
    echo(f"leaderboard: {csv_path}, {json_path}")


def bench_cells(results: Path) -> list[dict[str, Any]]:
    """The cells of a benchmark's results file (damaged lines reported and skipped); a file
    with no cells is a clear error."""
    from arena.leaderboard import read_results

    if not results.is_file():
        raise UsageError(
            f"{results.parent}: no benchmark results ({results.name}) there",
            "give an `arena bench --out` or `arena tournament --record` folder",
        )
    cells, damaged = read_results(results)
    for problem in damaged if cells else []:  # no cell at all: not a benchmark (below)
        click.echo(problem, err=True)
    if not cells:
        raise UsageError(
            f"{results} holds no benchmark cells (`arena run` writes episodes, not cells)",
            "benchmark agents with `arena bench AGENT... --suite SUITE --out DIR`",
        )
    return cells


@cli.command()
@click.argument("path", type=PATH)
def leaderboard(path: Path) -> None:
    """Print and export the leaderboard of a benchmark's results."""
    from arena.bench import RESULTS
    from arena.leaderboard import build_leaderboard, format_leaderboard, write_leaderboard

    results = path if path.is_file() else path / RESULTS
    board = build_leaderboard(bench_cells(results), host())
    echo(format_leaderboard(board))
    write_leaderboard(board, results.parent)


@cli.command()
@click.argument("path", type=PATH, metavar="DIR")
@click.option(
    "--training",
    type=PATH,
    multiple=True,
    metavar="RUN",
    help="an `arena train --out` folder whose curve to include (repeatable)",
)
def report(path: Path, training: tuple[Path, ...]) -> None:
    """Write a static HTML page of a benchmark or a tournament (DIR/report/index.html)."""
    from arena.bench import RESULTS
    from arena.match import TOURNAMENT
    from arena.report import write_report, write_tournament_report

    if (path / TOURNAMENT).is_file() and not (path / RESULTS).exists():
        if training:
            raise UsageError(
                "--training adds learning curves to a benchmark's page, not a tournament's"
            )
        echo(f"wrote {write_tournament_report(path, host())}")
        return
    bench_cells(path / RESULTS)
    for folder in training:
        if not folder.is_dir():
            raise UsageError(f"--training {folder}: no such folder")
    echo(f"wrote {write_report(path, host(), list(training))}")


# -- two-player matches --------------------------------------------------------------------


def match_options(f: Any) -> Any:
    f = use(
        params.game(help="a profile with a 2-player state"),
        params.state("2-player state (default: the profile's first)"),
        click.Option(
            ["--episodes"], type=POSITIVE, default=1, show_default=True,
            help="seeds per pairing and side",
        ),
        params.seed(),
        params.max_frames(),
        click.Option(
            ["--record"], type=PATH, metavar="DIR", help="write .bk2 movies and tournament.json"
        ),
        *params.protocol(EVALUATION_STICKY),
    )(f)  # fmt: skip
    return click.argument("agents", nargs=-1, required=True, metavar=ENTRY)(f)


@cli.command()
@match_options
def match(**params: Any) -> None:
    """Two agents play each other in one 2-player emulator, from both sides."""
    play_matches("match", **params)


@cli.command()
@match_options
def tournament(**params: Any) -> None:
    """A round robin of 2-player matches, with OpenSkill and Elo ratings."""
    play_matches("tournament", **params)


def play_matches(
    command: str,
    agents: tuple[str, ...],
    game: str,
    state: str | None,
    episodes: int,
    seed: int,
    max_frames: int | None,
    record: Path | None,
    sticky: float | None,
    noop_max: int | None,
) -> None:
    from arena.entries import legend, parse_entries
    from arena.match import (
        Tournament,
        format_standings,
        play_games,
        two_player_state,
        write_tournament,
    )
    from arena.protocol import EVALUATION

    plugins = host()
    entries = parse_entries(list(agents))
    wanted = "two" if command == "match" else "two or more"
    if len(entries) < 2 or (command == "match" and len(entries) != 2):
        raise UsageError(f"arena {command} needs {wanted} agents, got {len(entries)}")
    protocol = protocol_from(sticky, noop_max, EVALUATION) or EVALUATION
    plugins.check_entries(entries)
    profile = with_time_limit(plugins.profile(game), max_frames)
    start = two_player_state(profile, state)
    if record:
        check_output_folder(record, "--record")
    seeds = list(range(seed, seed + episodes))
    echo(
        f"{profile.title}: {start}, {len(entries)} agents, {len(seeds)} seed(s) per pairing and "
        f"side; protocol: {protocol.describe()}"
    )
    for line in legend(entries):
        echo(line)

    def report(game: Any) -> None:
        outcome = f"{game.winner} wins" if game.winner else "draw"
        if game.forfeit:
            outcome += f" (forfeit: {game.forfeit})"
        returns = f"{game.returns[0]:g} / {game.returns[1]:g}"
        players = f"{game.player1} (P1) vs {game.player2} (P2)"
        echo(f"{players}  seed {game.seed}  returns {returns}  {outcome}")

    games = play_games(plugins, entries, profile, start, seeds, record, report, protocol)
    played = Tournament(profile.name, start, protocol, [a.label for a in entries], games)
    echo(format_standings(played.standings))
    echo(f"{profile.name} {start}: {played.advantage.describe()}")
    if record:
        path = write_tournament(record, played)
        echo(f"games, pairs and ratings in {path} (a page of them: arena report {record})")


# -- probes and info -----------------------------------------------------------------------


@cli.command()
@click.argument("game")
@click.option("--state", help="only the probes of this state")
def probe(game: str, state: str | None) -> None:
    """Play a profile's probes on the real game: does every rule fire?"""
    from arena.errors import ProbeError
    from arena.probes import coverage, format_results, run_probes, summary

    profile = host().profile(game)
    if state is not None:
        profile.state(state)  # an unknown state is an error naming the valid ones
    if not profile.probes:
        raise UsageError(f"profile {profile.name!r} has no probes", "add a probes: block")
    results = list(run_probes(profile, state))
    if not results:
        raise UsageError(f"profile {profile.name!r} has no probe for state {state!r}")
    rules = coverage(profile, results)
    for line in format_results(profile, results, rules):
        echo(line)
    if any(not r.passed for r in results):
        raise ProbeError(f"{profile.name}: {summary(results, rules)}")
    echo(summary(results, rules))


@cli.command()
@click.argument("game")
@click.option("--state", help="describe this state (default: the profile's)")
def info(game: str, state: str | None) -> None:
    """What a game offers an agent or a profile author: states, actions, RAM, rules."""
    from arena.info import describe

    for line in describe(host(), game, state):
        echo(line)


# -- roms and plugins ----------------------------------------------------------------------


def _print_report(report: ImportReport, verbose: bool) -> None:
    for label, game, note in report.imported:
        echo(f"imported  {label} -> {game} ({note})")
    for label, reason in report.skipped if verbose else []:
        echo(f"skipped   {label}: {reason}")
    hidden = "" if verbose or not report.skipped else " (list them with -v)"
    echo(f"{len(report.imported)} imported, {len(report.skipped)} skipped{hidden}")


@cli.group()
def roms() -> None:
    """Install and list game ROMs."""


@roms.command("fetch")
@click.option("--wheels", type=PATH, help="folder for the downloaded wheels")
@click.option("-v", "--verbose", is_flag=True, help="list skipped files too")
def roms_fetch(wheels: Path | None, verbose: bool) -> None:
    """Install the ROMs that registry packages carry (ale-py, gym-super-mario-bros)."""
    from arena import integrations
    from arena import roms as rom_store

    report = rom_store.fetch(wheels)
    if verbose:
        _print_report(report, verbose=True)
        return
    by_wheel: dict[str, list[str]] = {}
    for label, game, _ in report.imported:
        by_wheel.setdefault(label.split("!")[0], []).append(game.rsplit("-", 2)[0])
    for wheel, games in by_wheel.items():
        echo(f"from {wheel}: {', '.join(games)}")
    echo(
        f"{len(report.imported)} ROMs installed in {integrations.rom_store()} "
        f"({len(report.skipped)} files without a stable-retro integration skipped; -v lists all)"
    )


@roms.command("import")
@click.argument("paths", type=PATH, nargs=-1, required=True)
@click.option(
    "--accept-sha", is_flag=True, help="install a known game's other dump as a custom integration"
)
def roms_import(paths: tuple[Path, ...], accept_sha: bool) -> None:
    """Import ROMs from files, folders or zips."""
    from arena import roms as rom_store

    report = rom_store.import_paths(list(paths), accept_sha=accept_sha)
    _print_report(report, verbose=True)
    if report.skipped and not report.imported:
        raise click.exceptions.Exit(1)


@roms.command("list")
@click.option("--all", "everything", is_flag=True, help="also installed ROMs without a profile")
def roms_list(everything: bool) -> None:
    """Every game profile and whether its ROM is installed; installed games without one."""
    from arena.info import rom_listing

    for line in rom_listing(host(), everything):
        echo(line)


@cli.command()
def plugins() -> None:
    """List plugins, where they come from, what they register, and what fails to load."""
    from arena.info import plugin_listing

    for line in plugin_listing(host(), set(cli.commands)):
        echo(line)


# -- entry point ---------------------------------------------------------------------------


def _name(param: click.Parameter) -> str:
    return " / ".join(
        param.opts if isinstance(param, click.Option) else [param.human_readable_name]
    )


def _one_line(exc: click.ClickException) -> str:
    """click's error as one line, naming the option and the nearest valid one."""
    if isinstance(exc, click.NoSuchOption):
        close = did_you_mean(exc.option_name, exc.possibilities or [])
        message = f"unknown option {exc.option_name}{close}"
    elif isinstance(exc, click.MissingParameter) and exc.param is not None:
        message = f"missing {_name(exc.param)}"
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        message = f"{_name(exc.param)}: {exc.message}"
    else:
        message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see `{ctx.command_path} --help`)"
    return message


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    session = Session(debug="--debug" in args)
    try:
        code = cli.main(args=args, prog_name="arena", standalone_mode=False, obj=session)
        return code if isinstance(code, int) else 0  # click returns Exit's code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        print("arena: interrupted", file=sys.stderr)
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:  # `arena`, `arena train`: the help
        print(exc.format_message(), file=sys.stderr)
        return 2
    except click.ClickException as exc:
        if session.debug:
            raise
        print(f"arena: error: {_one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except ArenaError as exc:
        if session.debug:
            raise
        print(f"arena: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arena: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`arena ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a filesystem fault no command foresaw: still one line
        if session.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"arena: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return OutputError.exit_code


if __name__ == "__main__":
    sys.exit(main())
