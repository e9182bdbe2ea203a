"""Running the app: ``arena serve`` binds its socket (so a port of 0 is known before the URL
is printed), prints the URL and serves with uvicorn until Ctrl-C, which records every live
game as it stands before the server exits."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from arena.core.errors import UsageError
from arena.host.manager import PluginHost
from arena.serve.security import Guard, is_loopback, new_token

MAX_WEBSOCKET_BYTES = 64 * 1024
"""Larger messages close their connection before the app reads them (a page sends ~100 B)."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})",
            "give another --port, or --port 0 for any free one",
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(
    host: PluginHost,
    runs: Path,
    address: str,
    port: int,
    entries: tuple[str, ...],
    max_games: int,
    player: str,
    ready: Callable[[str], None],
    profiles: tuple[Path, ...] = (),
) -> None:
    """Serve until stopped; ``ready(url)`` once the socket listens."""
    import uvicorn

    from arena.core.files import output_folder
    from arena.serve.app import ServeConfig, create_app
    from arena.services.live import person_label

    person_label(player)  # a bad --player is refused before anything starts
    output_folder(runs, "--runs")
    sock = bind(address, port)
    port = sock.getsockname()[1]
    guard = Guard(address, port, None if is_loopback(address) else new_token())
    app = create_app(ServeConfig(runs, guard, entries, max_games, player, profiles), host)
    shown = f"[{address}]" if ":" in address else address
    url = f"http://{shown}:{port}/" + (f"?token={guard.token}" if guard.token else "")
    config = uvicorn.Config(
        app,
        log_level="warning",
        ws_max_size=MAX_WEBSOCKET_BYTES,
        ws_ping_interval=2.0,  # a tab that vanished without closing is gone within seconds
        ws_ping_timeout=4.0,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    ready(url)
    server.run(sockets=[sock])
