"""``arena serve``'s web app (Starlette): the pages, a JSON API and one WebSocket a live game.

Routes are thin: requests are checked by the typed models of :mod:`arena.serve.messages`,
the games are played by :mod:`arena.services.live` (the env, agents and recorder every
command uses), and the page is a client of the API below, which a script may use as well.

- ``GET /`` the games; ``GET /play/GAME`` a game's page.
- ``GET /api/games``: the games that can be played, with their states; ``GET /api/entries``:
  the entries a seat may be given.
- ``GET /files/PATH``: a file under ``--runs`` (a recorded movie).
- ``WS /ws/play?game=G&state=S&seat=N&opponent=E&player=NAME&seed=N`` (or ``&watch=A,B``):
  a live game. The server sends ``{"type": "started", ...}``, then one binary message a frame
  (:func:`arena.serve.play.frame_message`), then ``{"type": "ended", ...}``; the page sends
  ``{"type": "buttons", "held": [...], "seq": n}`` when its buttons change,
  ``{"type": "drawn", "frame": n}`` for each frame it drew, and ``{"type": "leave"}``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from arena.host.manager import PluginHost
from arena.serve.play import play
from arena.serve.security import GuardMiddleware, NotServed, file_under
from arena.serve.served import ServeConfig, Served
from arena.serve.sessions import Sessions
from arena.services.offers import offered_entries, playable_games

STATIC = Path(__file__).parent / "static"


# -- pages and the JSON API ---------------------------------------------------------------


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html")


async def play_page(request: Request) -> Response:
    return FileResponse(STATIC / "play.html")


async def games(request: Request) -> Response:
    served: Served = request.app.state.served
    return JSONResponse(
        {
            "games": [asdict(g) for g in served.games.values()],
            "player": served.config.player,
        }
    )


async def entries(request: Request) -> Response:
    served: Served = request.app.state.served
    return JSONResponse(
        {
            "entries": [
                {"label": label, "agent": e.name, "games": served.plays[label]}
                for label, e in served.entries.items()
            ]
        }
    )


async def files(request: Request) -> Response:
    served: Served = request.app.state.served
    try:
        path = file_under(served.config.runs, request.path_params["path"])
    except NotServed as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    return FileResponse(path)


def create_app(config: ServeConfig, host: PluginHost) -> Starlette:
    """The app for ``config``: the games and entries it offers are found once, here."""
    served = Served(
        config,
        host,
        {g.name: g for g in playable_games(host, config.profiles)},
        offered_entries(host, config.entries, config.runs),
        Sessions(config.max_games),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await served.sessions.finish_all()  # stopping: every live game recorded as it stands

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/play/{game}", play_page),
            Route("/api/games", games),
            Route("/api/entries", entries),
            Route("/files/{path:path}", files),
            WebSocketRoute("/ws/play", play),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.served = served
    app.add_middleware(GuardMiddleware, guard=config.guard)
    return app
