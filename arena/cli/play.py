"""Commands that play and replay: ``run``, ``play``, ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from arena.cli.common import EVALUATION_STICKY, Session, echo, host, progress_label
from arena.host import params
from arena.host.params import PATH, POSITIVE, use

if TYPE_CHECKING:
    from arena.emulation.movies import VerifyResult
    from arena.play.runner import EpisodeResult

# -- run -----------------------------------------------------------------------------------


class WithAgentOptions(click.Command):
    """``arena run --agent NAME --help`` also lists the options agent NAME declares."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["arena.agent"] = _agent_named(args)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        name = ctx.meta.get("arena.agent")
        if not name:
            formatter.write_paragraph()
            formatter.write_text("`arena run --agent NAME --help` lists the options of agent NAME.")
            return
        from arena.host.options import describe_options

        entry = host().agent(name)
        with formatter.section(f"Options of agent {name} (--option KEY=VALUE)"):
            formatter.write_text("\n".join(describe_options(entry.options)))


def _agent_named(args: list[str]) -> str | None:
    """The value of ``--agent`` among raw arguments (None when it is not given)."""
    for i, arg in enumerate(args):
        if arg == "--agent" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--agent="):
            return arg.partition("=")[2]
    return None


@click.command(cls=WithAgentOptions)
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
    cheat: tuple[str, ...],
    quiet: bool,
) -> None:
    """Play episodes of a game with an agent, recording each as .bk2."""
    import statistics

    from tqdm import tqdm

    from arena.core.protocol import ProtocolOptions
    from arena.host.entries import AgentSpec
    from arena.play.agents import parse_options
    from arena.services.run import RunRequest, RunStart
    from arena.services.run import run as run_service

    options = parse_options(list(option))
    entry = AgentSpec(agent, str(checkpoint) if checkpoint else None, agent, options)
    request = RunRequest(
        game, entry, state, episodes, seed, record, results, max_frames, sample, inputs,
        ProtocolOptions(sticky, noop_max, cheat),
    )  # fmt: skip
    debug = click.get_current_context().find_object(Session).debug  # type: ignore[union-attr]

    class Bar:
        """The terminal's view of the run: a line per episode above a progress bar."""

        bar: Any = None
        label = "progress"

        def started(self, start: RunStart) -> None:
            self.label = progress_label(start.profile)
            echo(
                f"{start.profile.title}: {start.state}, {start.players} player(s), agent "
                f"{agent}, {episodes} episode(s) from seed {seed}; protocol: {start.protocol}"
            )
            self.bar = tqdm(total=episodes, unit="ep", disable=quiet or None, leave=False)

        def played(self, result: EpisodeResult) -> None:
            returns = " / ".join(f"{r:.1f}" for r in result.returns)
            shown = "" if result.progress is None else f"  {self.label} {result.progress:g}"
            ending = (
                f"forfeit: {result.forfeit}" if result.forfeit else f"done {result.done_reason}"
            )
            fps = result.frames / result.seconds if result.seconds else 0.0
            self.bar.write(
                f"episode {result.episode + 1}/{episodes}  seed {result.seed}  "
                f"return {returns}  frames {result.frames}{shown}  {ending}  "
                f"({result.seconds:.1f} s, {fps:.0f} frames/s)"
            )
            if result.traceback and debug:
                self.bar.write(result.traceback.rstrip())
            self.bar.update()

    terminal = Bar()
    try:
        played = run_service(host(), request, terminal)
    finally:
        if terminal.bar is not None:
            terminal.bar.close()
    first = [r.episode_return for r in played]
    spread = f" ± {statistics.stdev(first):.1f}" if len(first) > 1 else ""
    echo(
        f"mean return {statistics.fmean(first):.1f}{spread}, best {max(first):.1f}, "
        f"{sum(r.forfeit is not None for r in played)} forfeit(s)"
    )
    if record:
        echo(f"movies and results in {record}/ (watch one: arena play MOVIE.bk2 --video out.mp4)")


# -- play and verify -----------------------------------------------------------------------


@click.command()
@click.argument("movie", type=PATH)
@click.option(
    "--video", type=PATH, metavar="OUT.mp4", help="write a video: .mp4 (H.264), .webm (VP9) or .gif"
)
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
    from arena.services.replays import RenderRequest, render

    request = RenderRequest(movie, video, gif, window, scale, inputs_name)
    for written in render(host(), request):
        echo(f"wrote {written.path} ({written.description})")


@click.command()
@click.argument("path", type=PATH)
@click.option("--sample", type=POSITIVE, help="verify only N movies picked at random")
@use(params.seed("seed of the sample"))
def verify(path: Path, sample: int | None, seed: int) -> None:
    """Re-simulate movies and check frames and returns against their sidecars."""
    from arena.services.replays import VerifyRequest
    from arena.services.replays import verify as verify_movies

    count = verify_movies(host(), VerifyRequest(path, sample, seed), VerifyLines())
    echo(f"{count} movie(s) verified")


class VerifyLines:
    """``verify``'s verdicts as lines: ok with the frames and returns, or FAIL and why."""

    def verified(self, result: VerifyResult) -> None:
        returns = " / ".join(f"{r:.1f}" for r in result.returns)
        echo(f"ok    {result.movie}  frames {result.frames}  return {returns}")

    def failed(self, problem: str) -> None:
        echo(f"FAIL  {problem}")


@click.command()
@click.argument("movie", type=PATH)
@click.option("--out", type=PATH, help="the page's folder (default: MOVIE's name + .inspect/)")
def inspect(movie: Path, out: Path | None) -> None:
    """A page with the episode's video beside plots of every reward term, variable, the
    progress and each player's buttons, frame by frame; clicking a plot seeks the video."""
    from arena.services.replays import inspect as write_page

    page = write_page(host(), movie, out)
    echo(f"wrote {page} (open it in a browser; add #frame=N to open it at frame N)")


@click.command()
@click.argument("folder", type=PATH, metavar="DIR")
@click.option("--out", type=PATH, required=True, metavar="FILE.npz", help="the dataset to write")
@click.option(
    "--inputs", metavar="NAME", help="observations of these inputs (default: the profile's)"
)
def demos(folder: Path, out: Path, inputs: str | None) -> None:
    """Turn recorded episodes into a dataset for imitation learning: per agent step, the
    observation through the profile's pipeline, the action pressed, the reward, the end."""
    from arena.services.demos import DemosRequest, build_demos

    def done(movie: Path, rows: int) -> None:
        echo(f"{movie}: {rows} step(s)")

    made = build_demos(host(), DemosRequest(folder, out, inputs), done)
    unmatched = f", {made.unmatched} matching no action (-1)" if made.unmatched else ""
    echo(f"wrote {made.path}: {made.steps} step(s) of {made.episodes} episode(s) of "
         f"{made.profile}{unmatched}")  # fmt: skip
