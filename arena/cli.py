"""The ``arena`` command line. Errors print as one line with a non-zero exit code; ``--debug``
shows the traceback instead."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from arena import __version__, integrations
from arena.agents import AgentContext, parse_options
from arena.errors import ArenaError, MovieError, UsageError, VerifyError
from arena.plugin_manager import PluginHost
from arena.profiles import Profile
from arena.protocol import EVALUATION, TRAINING, Protocol
from arena.roms import ImportReport


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def echo(text: str = "") -> None:
    print(text, flush=True)


def add_protocol_options(parser: argparse.ArgumentParser, default: str) -> None:
    """``--sticky P`` and ``--noop-max N``: the evaluation protocol (see arena/protocol.py)."""
    parser.add_argument(
        "--sticky",
        type=float,
        metavar="P",
        help=f"sticky-action probability per emulated frame, in [0, 1) (default: {default})",
    )
    parser.add_argument(
        "--noop-max",
        type=int,
        metavar="N",
        help="up to N no-op frames after each reset, drawn from the seed (default: 0)",
    )


def protocol_from(args: argparse.Namespace, default: Protocol | None) -> Protocol | None:
    """The protocol the options ask for, on top of ``default`` (None: nothing given)."""
    if args.sticky is None and args.noop_max is None:
        return default
    base = default or EVALUATION
    protocol = Protocol(
        base.sticky if args.sticky is None else args.sticky,
        base.noop_max if args.noop_max is None else args.noop_max,
    )
    for key, problem in protocol.problems():
        raise UsageError(f"--{key.replace('_', '-')} {problem}")
    return protocol


# -- run -----------------------------------------------------------------------------------


def progress_label(profile: Profile) -> str:
    source = profile.progress.source if profile.progress else ""
    return source if source.isidentifier() else "progress"


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from arena.env import ArenaEnv
    from arena.runner import EpisodeResult, RunConfig, run_episodes

    host: PluginHost = args.host
    profile = host.profile(args.game)
    if args.max_frames is not None:
        profile = replace(profile, max_frames=args.max_frames)
    state = profile.state(args.state)
    entry = host.agent(args.agent)  # unknown agents fail before the emulator starts
    options = parse_options(args.option)
    if args.checkpoint is not None and not args.checkpoint.exists():
        raise UsageError(f"--checkpoint {args.checkpoint}: no such file")
    protocol = protocol_from(args, EVALUATION)
    observation = entry.observation_overrides(args.checkpoint, options)
    env = ArenaEnv(profile, state.name, protocol=protocol, **observation)
    try:
        context = AgentContext(
            env.spec_for_agents, args.seed, args.checkpoint, options, greedy=not args.sample
        )
        agents = [
            host.build_agents(args.agent, replace(context, spec=env.spec_for(p)))[0]
            for p in range(env.players)
        ]
        config = RunConfig(
            args.agent,
            args.episodes,
            args.seed,
            args.record,
            args.results,
            args.checkpoint,
            options,
        )
        label = progress_label(profile)
        echo(
            f"{profile.title}: {state.name}, {env.players} player(s), agent {args.agent}, "
            f"{args.episodes} episode(s) from seed {args.seed}; protocol: {env.protocol.describe()}"
        )
        bar = tqdm(total=args.episodes, unit="ep", disable=args.quiet or None, leave=False)

        def report(result: EpisodeResult) -> None:
            returns = " / ".join(f"{r:.1f}" for r in result.returns)
            progress = "" if result.progress is None else f"  {label} {result.progress:g}"
            ending = (
                f"forfeit: {result.forfeit}" if result.forfeit else f"done {result.done_reason}"
            )
            fps = result.frames / result.seconds if result.seconds else 0.0
            bar.write(
                f"episode {result.episode + 1}/{args.episodes}  seed {result.seed}  "
                f"return {returns}  frames {result.frames}{progress}  {ending}  "
                f"({result.seconds:.1f} s, {fps:.0f} frames/s)"
            )
            bar.update()

        results = run_episodes(env, agents, config, report)
        bar.close()
    finally:
        env.close()
    first = [r.episode_return for r in results]
    spread = f" ± {statistics.stdev(first):.1f}" if len(first) > 1 else ""
    echo(
        f"mean return {statistics.fmean(first):.1f}{spread}, best {max(first):.1f}, "
        f"{sum(r.forfeit is not None for r in results)} forfeit(s)"
    )
    if args.record:
        echo(
            f"movies and results in {args.record}/ "
            "(watch one: arena play MOVIE.bk2 --video out.mp4)"
        )
    return 0


# -- play and verify -----------------------------------------------------------------------


def cmd_play(args: argparse.Namespace) -> int:
    from arena.movies import check_movie, read_sidecar, replay, sidecar_path
    from arena.video import VideoSink, Window, render

    if not (args.video or args.gif or args.window):
        raise UsageError("nothing to do: give --video OUT.mp4, --gif OUT.gif or --window")
    if args.scale < 1 or args.scale > 8:
        raise UsageError(f"--scale must be from 1 to 8, got {args.scale}")
    host: PluginHost = args.host
    check_movie(args.movie)
    profile, sidecar = None, None
    if sidecar_path(args.movie).exists():  # without one, the overlay shows no return
        sidecar = read_sidecar(args.movie)
        profile = host.profile_for_movie(sidecar)
    sinks: list[VideoSink | Window] = [VideoSink(p) for p in (args.video, args.gif) if p]
    if args.window:
        sinks.append(Window())
    frames = render(replay(args.movie, profile, sidecar), sinks, args.scale)
    for path in (args.video, args.gif):
        if path:
            echo(f"wrote {path} ({frames} frames)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from arena.movies import check_movie, read_sidecar, verify

    path: Path = args.path
    if path.is_dir():
        movies = sorted(p for p in path.rglob("*.bk2") if not p.name.startswith("."))
        if not movies:
            raise MovieError(f"{path}: no .bk2 movies in this folder")
    else:
        movies = [path]
    if args.sample is not None and args.sample < len(movies):
        movies = sorted(random.Random(args.seed).sample(movies, args.sample))
    host: PluginHost = args.host
    failures = []
    for movie in movies:
        try:
            check_movie(movie)
            sidecar = read_sidecar(movie)
            result = verify(movie, host.profile_for_movie(sidecar), sidecar)
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
    return 0


# -- train ---------------------------------------------------------------------------------


TRAIN_ARGS = "train-args.json"


def resumed_args(args: argparse.Namespace) -> argparse.Namespace:
    """On --resume, the run's saved arguments with any newly given ones on top; otherwise
    save these arguments in the run folder for a later --resume."""
    given = [a for a in args.argv[2:] if a != "--resume"]  # after "train NAME"
    if args.resume:
        if args.out is None:
            raise UsageError("--resume needs --out DIR, the folder of the run to continue")
        saved = args.out / TRAIN_ARGS
        if not saved.is_file():
            raise UsageError(
                f"--resume: {args.out} holds no run to resume", "give the run's folder with --out"
            )
        argv = ["train", args.trainer, *json.loads(saved.read_text()), *given, "--resume"]
        resumed = build_parser(args.host).parse_args(argv)
        resumed.host, resumed.argv = args.host, args.argv
        return resumed
    if args.game is None:
        raise UsageError("arena train needs --game (or --resume with the --out of a run)")
    return args


def cmd_train(args: argparse.Namespace) -> int:
    from arena.training import TrainRun, parse_overrides

    host: PluginHost = args.host
    host.check()
    args = resumed_args(args)
    profile = host.profile(args.game)
    if args.max_frames is not None:
        profile = replace(profile, max_frames=args.max_frames)
    state = profile.state(args.state)
    if args.config is not None and not args.config.is_file():
        raise UsageError(f"--config {args.config}: no such file")
    out = args.out or Path("runs") / f"{args.trainer}-{profile.name}"
    run = TrainRun(
        trainer=args.trainer,
        profile=profile,
        state=state.name,
        seed=args.seed,
        out=out,
        workers=args.workers,
        resume=args.resume,
        config=args.config,
        overrides=parse_overrides(args.set),
        args=args,
        protocol=protocol_from(args, TRAINING) or TRAINING,
    )
    out.mkdir(parents=True, exist_ok=True)
    if not args.resume:
        saved = args.argv[2:] + ([] if args.out else ["--out", str(out)])
        (out / TRAIN_ARGS).write_text(json.dumps(saved))
    host.trainers[args.trainer].trainer.train(run)
    return 0


def add_train_commands(commands: argparse._SubParsersAction, host: PluginHost) -> None:
    """``arena train NAME`` for every registered trainer, with the trainer's own options."""
    train = commands.add_parser("train", help="train an agent (see `arena train --help`)")
    trainers = train.add_subparsers(
        dest="trainer", required=True, parser_class=_Parser, metavar="TRAINER"
    )
    for name, entry in sorted(host.trainers.items()):
        sub = trainers.add_parser(
            name, help=entry.trainer.description, description=entry.trainer.description
        )
        sub.add_argument("--game", help="profile name or .yaml path (required unless --resume)")
        sub.add_argument("--state", help="save state to train on (default: the profile's)")
        sub.add_argument("--seed", type=whole_number, default=0)
        sub.add_argument(
            "--out", type=Path, metavar="DIR", help="run folder (default: runs/NAME-GAME)"
        )
        sub.add_argument(
            "--workers", type=positive_int, default=2, help="emulator worker processes"
        )
        sub.add_argument(
            "--resume",
            action="store_true",
            help="continue the run in --out with its saved options (new ones on top)",
        )
        sub.add_argument(
            "--max-frames", type=positive_int, help="override the profile's time limit"
        )
        sub.add_argument(
            "--config", type=Path, help="a complete config file replacing the defaults"
        )
        sub.add_argument(
            "--set", action="append", metavar="KEY=VALUE", help="override one config key"
        )
        add_protocol_options(sub, f"{TRAINING.sticky:g}")
        entry.trainer.add_arguments(sub)
        sub.set_defaults(handler=cmd_train)


# -- bench ---------------------------------------------------------------------------------


def cmd_bench(args: argparse.Namespace) -> int:
    from arena.bench import run_bench
    from arena.entries import parse_entries
    from arena.leaderboard import (
        build_leaderboard,
        format_leaderboard,
        load_results,
        write_leaderboard,
    )

    host: PluginHost = args.host
    host.check()
    agents = parse_entries(args.agents)
    protocol = protocol_from(args, None)  # None: the suite's protocol block, else the default
    out = args.out or Path("runs") / f"bench-{Path(args.suite).stem}"
    results = run_bench(
        host, agents, args.suite, out, args.workers, args.resume, echo, args.backend, protocol
    )
    board = build_leaderboard(load_results(results), host)
    echo(format_leaderboard(board))
    csv_path, json_path = write_leaderboard(board, out)
    echo(f"leaderboard: {csv_path}, {json_path}")
    return 0


def bench_cells(results: Path) -> list[dict[str, Any]]:
    """The cells of a benchmark's results file; anything else is a clear error."""
    from arena.leaderboard import load_results

    if not results.is_file():
        raise UsageError(
            f"{results.parent}: no benchmark results ({results.name}) there",
            "give an `arena bench --out` folder",
        )
    cells = load_results(results)
    if not cells:
        raise UsageError(
            f"{results} holds no benchmark cells (`arena run` writes episodes, not cells)",
            "benchmark agents with `arena bench AGENT... --suite SUITE --out DIR`",
        )
    return cells


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from arena.bench import RESULTS
    from arena.leaderboard import (
        build_leaderboard,
        format_leaderboard,
        write_leaderboard,
    )

    results = args.path if args.path.is_file() else args.path / RESULTS
    board = build_leaderboard(bench_cells(results), args.host)
    echo(format_leaderboard(board))
    write_leaderboard(board, results.parent)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from arena.bench import RESULTS
    from arena.report import write_report

    bench_cells(args.path / RESULTS)
    for folder in args.training or []:
        if not folder.is_dir():
            raise UsageError(f"--training {folder}: no such folder")
    echo(f"wrote {write_report(args.path, args.host, args.training or [])}")
    return 0


# -- two-player matches --------------------------------------------------------------------


def cmd_match(args: argparse.Namespace) -> int:
    from arena.bench import check_agents
    from arena.entries import legend, parse_entries
    from arena.match import format_standings, play_games, rate, two_player_state, write_tournament

    host: PluginHost = args.host
    agents = parse_entries(args.agents)
    wanted = "two" if args.command == "match" else "two or more"
    if len(agents) < 2 or (args.command == "match" and len(agents) != 2):
        raise UsageError(f"arena {args.command} needs {wanted} agents, got {len(agents)}")
    protocol = protocol_from(args, EVALUATION) or EVALUATION
    check_agents(host, agents)
    profile = host.profile(args.game)
    if args.max_frames is not None:
        profile = replace(profile, max_frames=args.max_frames)
    state = two_player_state(profile, args.state)
    seeds = list(range(args.seed, args.seed + args.episodes))
    echo(
        f"{profile.title}: {state}, {len(agents)} agents, {len(seeds)} seed(s) per pairing and "
        f"side; protocol: {protocol.describe()}"
    )
    for line in legend(agents):
        echo(line)

    def report(game: Any) -> None:
        outcome = f"{game.winner} wins" if game.winner else "draw"
        if game.forfeit:
            outcome += f" (forfeit: {game.forfeit})"
        returns = f"{game.returns[0]:g} / {game.returns[1]:g}"
        players = f"{game.player1} (P1) vs {game.player2} (P2)"
        echo(f"{players}  seed {game.seed}  returns {returns}  {outcome}")

    games = play_games(host, agents, profile, state, seeds, args.record, report, protocol)
    standings = rate([a.label for a in agents], games)
    echo(format_standings(standings))
    if args.record:
        echo(f"games and ratings in {write_tournament(args.record, games, standings, protocol)}")
    return 0


# -- probes ---------------------------------------------------------------------------------


def cmd_probe(args: argparse.Namespace) -> int:
    from arena.errors import ProbeError
    from arena.probes import coverage, format_results, run_probes, summary

    host: PluginHost = args.host
    profile = host.profile(args.game)
    if args.state is not None:
        profile.state(args.state)  # an unknown state is an error naming the valid ones
    if not profile.probes:
        raise UsageError(f"profile {profile.name!r} has no probes", "add a probes: block")
    results = list(run_probes(profile, args.state))
    if not results:
        raise UsageError(f"profile {profile.name!r} has no probe for state {args.state!r}")
    rules = coverage(profile, results)
    for line in format_results(profile, results, rules):
        echo(line)
    if any(not r.passed for r in results):
        raise ProbeError(f"{profile.name}: {summary(results, rules)}")
    echo(summary(results, rules))
    return 0


# -- roms and plugins ----------------------------------------------------------------------


def _print_report(report: ImportReport, verbose: bool) -> None:
    for label, game, note in report.imported:
        echo(f"imported  {label} -> {game} ({note})")
    for label, reason in report.skipped if verbose else []:
        echo(f"skipped   {label}: {reason}")
    hidden = "" if verbose or not report.skipped else " (list them with -v)"
    echo(f"{len(report.imported)} imported, {len(report.skipped)} skipped{hidden}")


def _print_fetch_summary(report: ImportReport) -> None:
    """One line per wheel: the games it provided."""
    by_wheel: dict[str, list[str]] = {}
    for label, game, _ in report.imported:
        by_wheel.setdefault(label.split("!")[0], []).append(game.rsplit("-", 2)[0])
    for wheel, games in by_wheel.items():
        echo(f"from {wheel}: {', '.join(games)}")
    echo(
        f"{len(report.imported)} ROMs installed in {integrations.rom_store()} "
        f"({len(report.skipped)} files without a stable-retro integration skipped; -v lists all)"
    )


def cmd_roms_fetch(args: argparse.Namespace) -> int:
    from arena import roms

    report = roms.fetch(args.wheels)
    if args.verbose:
        _print_report(report, verbose=True)
    else:
        _print_fetch_summary(report)
    return 0


def cmd_roms_import(args: argparse.Namespace) -> int:
    from arena import roms

    report = roms.import_paths(args.paths, accept_sha=args.accept_sha)
    _print_report(report, verbose=True)
    return 0 if report.imported or not report.skipped else 1


def cmd_roms_list(args: argparse.Namespace) -> int:
    from arena import roms

    host: PluginHost = args.host
    for name in sorted(host.games):
        profile = host.profile(name)
        status = roms.rom_status(profile.game)
        mark = "ok     " if status.installed else "MISSING"
        echo(f"{mark}  {name:<12} {profile.game:<50} {status.detail}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    host: PluginHost = args.host
    for record in host.records.values():
        echo(f"{record.name}  [{record.origin}]")
        for name in record.agents:
            echo(f"    agent {name}: {host.agents[name].description}")
        for name in record.trainers:
            echo(f"    trainer {name}: {host.trainers[name].trainer.description}")
        if record.games:
            echo(f"    games: {', '.join(record.games)}")
        if record.suites:
            echo(f"    suites: {', '.join(record.suites)}")
        if record.error:
            echo(f"    FAILED: {record.error}")
    for conflict in host.conflicts:
        echo(f"CONFLICT: {conflict}")
    return 0


# -- parser --------------------------------------------------------------------------------


def build_parser(host: PluginHost) -> argparse.ArgumentParser:
    parser = _Parser(prog="arena", description=__doc__)
    parser.add_argument("--version", action="version", version=f"retro-arena {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    run = add("run", cmd_run, "play episodes of a game with an agent, recording each as .bk2")
    run.add_argument(
        "--game", required=True, help="profile name (see `arena roms list`) or .yaml path"
    )
    run.add_argument("--agent", default="random", help="agent name (see `arena plugins`)")
    run.add_argument("--state", help="save state to start from (default: the profile's)")
    run.add_argument("--episodes", type=positive_int, default=1)
    run.add_argument("--seed", type=whole_number, default=0, help="seed of the first episode")
    run.add_argument(
        "--record", type=Path, metavar="DIR", help="write a .bk2 + sidecar per episode"
    )
    run.add_argument(
        "--results",
        type=Path,
        metavar="FILE",
        help="append results as JSON lines (default: DIR/results.jsonl)",
    )
    run.add_argument("--checkpoint", type=Path, help="a saved agent to load")
    run.add_argument("--option", action="append", metavar="KEY=VALUE", help="agent option")
    run.add_argument("--max-frames", type=positive_int, help="override the profile's time limit")
    run.add_argument(
        "--sample", action="store_true", help="sample stochastic policies (default: greedy)"
    )
    add_protocol_options(run, f"{EVALUATION.sticky:g}")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    play = add("play", cmd_play, "replay a .bk2 into a video (mp4/gif) or a window")
    play.add_argument("movie", type=Path)
    play.add_argument("--video", type=Path, metavar="OUT.mp4")
    play.add_argument("--gif", type=Path, metavar="OUT.gif")
    play.add_argument("--window", action="store_true", help="show it on screen (needs a display)")
    play.add_argument("--scale", type=int, default=2, help="pixel scale of the output (1-8)")

    ver = add("verify", cmd_verify, "re-simulate movies and check frames and return vs. sidecar")
    ver.add_argument("path", type=Path, help="a .bk2 or a folder of them")
    ver.add_argument("--sample", type=positive_int, help="verify only N movies picked at random")
    ver.add_argument("--seed", type=whole_number, default=0, help="seed of the sample")

    rom_parser = add("roms", lambda a: 0, "install and list game ROMs")
    rom_commands = rom_parser.add_subparsers(
        dest="roms_command", required=True, parser_class=_Parser
    )
    fetch = rom_commands.add_parser("fetch", help="install the ROMs registry packages carry")
    fetch.add_argument("--wheels", type=Path, help="folder for the downloaded wheels")
    fetch.add_argument("-v", "--verbose", action="store_true", help="list skipped files too")
    fetch.set_defaults(handler=cmd_roms_fetch)
    imp = rom_commands.add_parser("import", help="import ROMs from files, folders or zips")
    imp.add_argument("paths", type=Path, nargs="+")
    imp.add_argument(
        "--accept-sha",
        action="store_true",
        help="install a known game's other dump as a custom integration",
    )
    imp.set_defaults(handler=cmd_roms_import)
    lst = rom_commands.add_parser(
        "list", help="every game profile and whether its ROM is installed"
    )
    lst.set_defaults(handler=cmd_roms_list)

    bench = add("bench", cmd_bench, "play agents on the same cells of a suite; print a leaderboard")
    bench.add_argument("agents", nargs="+", metavar="[LABEL=]NAME[:CHECKPOINT][,KEY=VALUE]")
    bench.add_argument(
        "--suite", default="smoke", help="suite name (see `arena plugins`) or .yaml path"
    )
    bench.add_argument("--workers", type=positive_int, default=2, help="emulator worker processes")
    bench.add_argument(
        "--out", type=Path, metavar="DIR", help="results folder (default: runs/bench-SUITE)"
    )
    bench.add_argument(
        "--resume", action="store_true", help="skip the cells already in DIR's results"
    )
    bench.add_argument(
        "--backend",
        choices=["local", "ray"],
        default="local",
        help="local worker processes, or Ray tasks (set RAY_ADDRESS to use a cluster)",
    )
    add_protocol_options(bench, f"the suite's protocol block, else {EVALUATION.sticky:g}")
    report = add(
        "report", cmd_report, "write a static HTML page of a benchmark (DIR/report/index.html)"
    )
    report.add_argument("path", type=Path, metavar="DIR", help="an `arena bench --out` folder")
    report.add_argument(
        "--training",
        type=Path,
        action="append",
        metavar="RUN",
        help="an `arena train --out` folder whose curve to include (repeatable)",
    )
    board = add(
        "leaderboard", cmd_leaderboard, "print and export the leaderboard of benchmark results"
    )
    board.add_argument("path", type=Path, help="a bench --out folder or its results.jsonl")

    for name, text in (
        ("match", "two agents play each other in one 2-player emulator, from both sides"),
        ("tournament", "round robin of 2-player matches, with OpenSkill and Elo ratings"),
    ):
        sub = add(name, cmd_match, text)
        sub.add_argument("agents", nargs="+", metavar="[LABEL=]NAME[:CHECKPOINT][,KEY=VALUE]")
        sub.add_argument("--game", required=True, help="a profile with a 2-player state")
        sub.add_argument("--state", help="2-player state (default: the profile's first)")
        sub.add_argument(
            "--episodes", type=positive_int, default=1, help="seeds per pairing and side"
        )
        sub.add_argument("--seed", type=whole_number, default=0)
        sub.add_argument(
            "--max-frames", type=positive_int, help="override the profile's time limit"
        )
        sub.add_argument(
            "--record", type=Path, metavar="DIR", help="write .bk2 movies and tournament.json"
        )
        add_protocol_options(sub, f"{EVALUATION.sticky:g}")

    probe = add(
        "probe", cmd_probe, "play a profile's probes on the real game: does every rule fire?"
    )
    probe.add_argument("game", help="profile name or .yaml path")
    probe.add_argument("--state", help="only the probes of this state")

    add("plugins", cmd_plugins, "list plugins, where they come from and what they register")
    add_train_commands(commands, host)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    host = PluginHost()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(host).parse_args(argv)
    args.host = host
    args.argv = [a for a in argv if a != "--debug"]
    try:
        return int(args.handler(args))
    except ArenaError as exc:
        if args.debug:
            raise
        print(f"arena: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arena: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`arena ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
