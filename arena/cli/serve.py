"""``arena serve``: people play in the browser (the web app is :mod:`arena.serve`)."""

from __future__ import annotations

from pathlib import Path

import click

from arena.cli.common import echo, host
from arena.host.params import PATH


@click.command()
@click.option(
    "--runs", type=PATH, default=Path("runs"), show_default=True, metavar="DIR",
    help="where people's games are recorded, and where checkpoints to offer are found",
)  # fmt: skip
@click.option("--host", "address", default="127.0.0.1", show_default=True,
              help="the address to listen on; any but loopback needs the printed token")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="0: any free port")
@click.option("--entry", "entries", multiple=True, metavar="ENTRY",
              help="an entry a page may seat against a person or watch (repeatable)")
@click.option("--player", default="player", show_default=True,
              help="the person's name on the boards (the page may give another)")
@click.option("--profile", "profiles", type=PATH, multiple=True, metavar="PROFILE.yaml",
              help="a profile to offer besides the registered games (repeatable)")
@click.option("--max-games", type=click.IntRange(1, 64), default=4, show_default=True,
              help="live games at once (each is a process with its own emulator)")
def serve(
    runs: Path,
    address: str,
    port: int,
    entries: tuple[str, ...],
    player: str,
    profiles: tuple[Path, ...],
    max_games: int,
) -> None:
    """Play games in the browser, against agents or watching them, each game recorded."""
    from arena.serve.server import serve as run_server

    def ready(url: str) -> None:
        echo(f"arena serve: {url}  (people's games go to {runs}; Ctrl-C stops)")

    run_server(host(), runs, address, port, entries, max_games, player, ready, profiles)
