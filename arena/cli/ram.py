"""``arena ram``: find RAM variables in a recorded episode, and watch one over it."""

from __future__ import annotations

import itertools
from pathlib import Path

import click

from arena.cli.common import echo, host
from arena.host.params import PATH

MAX_SHOWN = 40
"""Survivors printed in full; more are counted."""
TYPE_HELP = "stable-retro type: '|u1', '<u2', '>i2', '=d1' (BCD)..."


@click.group()
def ram() -> None:
    """Find a game's RAM variables from a movie (Cheat Engine's narrowing), and watch one."""


@ram.command("search")
@click.argument("game")
@click.option("--movie", type=PATH, required=True, help="a .bk2 the arena recorded")
@click.option("--type", "kind", default="|u1", show_default=True, help=TYPE_HELP)
@click.option("--equals", multiple=True, metavar="FRAME=VALUE", help="the value at a frame")
@click.option("--increased", multiple=True, metavar="A:B", help="greater at frame B than at A")
@click.option("--decreased", multiple=True, metavar="A:B", help="smaller at frame B than at A")
@click.option("--changed", multiple=True, metavar="A:B", help="other at frame B than at A")
@click.option("--unchanged", multiple=True, metavar="A:B", help="the same at frames A and B")
def ram_search(
    game: str,
    movie: Path,
    kind: str,
    equals: tuple[str, ...],
    increased: tuple[str, ...],
    decreased: tuple[str, ...],
    changed: tuple[str, ...],
    unchanged: tuple[str, ...],
) -> None:
    """Keep the addresses whose values pass every filter (frames count from 1; 'end' is the
    last). Filters apply in the order --equals, --increased, --decreased, --changed,
    --unchanged, and each says how many candidates it left."""
    from arena.services.ram import SearchRequest
    from arena.services.ram import ram_search as search

    ranges = {"increased": increased, "decreased": decreased, "changed": changed,
              "unchanged": unchanged}  # fmt: skip
    found = search(host(), SearchRequest(game, movie, kind, equals, ranges))
    echo(f"{found.total:,} candidates of type {kind}")
    for flt, left in found.counts:
        echo(f"  {flt.describe():<28} {left:,} left")
    if not found.survivors:
        echo("no address passes every filter")
        return
    header = "  ".join(f"frame {f:>6}" for f in found.frames)
    echo(f"{'address':<16}{header}")
    for address in found.survivors[:MAX_SHOWN]:
        row = "  ".join(f"{v:>12}" for v in found.values[address])
        echo(f"{f'0x{address:04X} ({address})':<16}{row}")
    if len(found.survivors) > MAX_SHOWN:
        echo(f"... and {len(found.survivors) - MAX_SHOWN:,} more: add a filter")


@ram.command("watch")
@click.option("--movie", type=PATH, required=True, help="a .bk2 the arena recorded")
@click.option("--address", required=True, help="the address, decimal or 0x hex")
@click.option("--type", "kind", default="|u1", show_default=True, help=TYPE_HELP)
@click.option("--png", type=PATH, help="plot the value over the episode into this file")
def ram_watch(movie: Path, address: str, kind: str, png: Path | None) -> None:
    """Print (the frames where it changes) or plot a RAM value over an episode."""
    from arena.emulation.ram_search import check_type
    from arena.services.ram import parse_address
    from arena.services.ram import ram_watch as watch

    check_type(kind)
    if png is not None:  # before the replay
        from arena.core.files import output_target

        output_target(png, "--png", PLOT_KINDS)
    where = parse_address(address)
    series = watch(host(), movie, where, kind)
    previous = None
    for frame, value in series:
        if value != previous:
            echo(f"frame {frame:>6}  {value}")
            previous = value
    echo(f"{len(series)} frames; the value changed {_changes(series)} time(s)")
    if png is not None:
        _plot(series, f"0x{where:04X} ({kind}) in {movie.name}", png)
        echo(f"plot: {png}")


PLOT_KINDS = (".png", ".svg", ".pdf")
"""The endings ``--png`` takes (matplotlib writes each)."""


def _changes(series: list[tuple[int, int]]) -> int:
    return sum(1 for (_, a), (_, b) in itertools.pairwise(series) if a != b)


def _plot(series: list[tuple[int, int]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3))
    axes.step([f for f, _ in series], [v for _, v in series], where="post")
    axes.set_xlabel("frame")
    axes.set_ylabel("value")
    axes.set_title(title.replace("$", r"\$"))  # plain text: a file name is no TeX
    axes.grid(alpha=0.3)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=100)
    except OSError as exc:
        from arena.core.errors import OutputError

        raise OutputError(f"--png {path}: cannot write it ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
