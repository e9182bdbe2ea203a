"""The server's live games: each one a :class:`LiveSession` over its own process, at most
``max_games`` at once, and every one finished (recorded) when the server stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from arena.core.errors import ArenaError
from arena.core.workers import WorkerPool
from arena.host.manager import PluginHost
from arena.play.runner import EpisodeResult
from arena.services.live import GameFacts, Leave, LiveGame, LiveWorker, record_game


class LiveSession:
    """One live game's process, asked one thing at a time."""

    def __init__(self, host: PluginHost, game: LiveGame) -> None:
        self.host = host
        self.game = game
        self.pool: WorkerPool | None = None
        self.facts: GameFacts | None = None
        self.result: EpisodeResult | None = None
        self.board: Path | None = None
        self.pids: list[int] = []
        self.dead = False
        """Its process died: the game is over, with no movie."""
        self._turn = asyncio.Lock()

    async def start(self) -> GameFacts:
        self.pool = await asyncio.to_thread(WorkerPool, [LiveWorker(self.game)], "live game")
        self.pids = list(self.pool.pids())
        self.facts = await self.call("facts")
        return self.facts

    async def call(self, task: Any) -> Any:
        """The game's answer to ``task``; one at a time, so a leave never meets a frame."""
        async with self._turn:
            if self.pool is None:
                raise ArenaError("this game has ended")
            answer = asyncio.ensure_future(asyncio.to_thread(self.pool.call, task, 0, 1))
            try:
                return await asyncio.shield(answer)
            except ArenaError:
                if self.pool.pids() != self.pids:  # it died, and the pool started another:
                    self.dead = True  # that one plays no game of ours
                raise
            except asyncio.CancelledError:
                # The process answers what it was asked, whoever stopped waiting: its answer
                # is read before the next ask, or the next one would read it instead.
                with contextlib.suppress(Exception):
                    await answer
                raise

    async def ended(self, result: EpisodeResult) -> None:
        """The game ended by its rules: put it on its board and free its process."""
        self.result = result
        self.board = await asyncio.to_thread(record_game, self.host, self.game, result)
        await self.close()

    async def leave(self) -> EpisodeResult | None:
        """End the game where it stands, recorded; None when it could not be (its process
        died: no movie is kept of it)."""
        if self.result is None and self.pool is not None and not self.dead:
            with contextlib.suppress(ArenaError):
                result = await self.call(Leave())
                await self.ended(result)
        await self.close()
        return self.result

    async def close(self) -> None:
        async with self._turn:
            pool, self.pool = self.pool, None
            if pool is not None:
                self.pids += pool.pids()  # a replacement's too
                await asyncio.to_thread(pool.close)
        if self.result is None:  # a process that died mid-game left its partial movie
            for pid in set(self.pids):
                for partial in self.game.folder.glob(f".*.{pid}.part.bk2"):
                    partial.unlink(missing_ok=True)


class Sessions:
    """The live games, bounded."""

    def __init__(self, max_games: int) -> None:
        self.max_games = max_games
        self.live: set[LiveSession] = set()

    @contextlib.asynccontextmanager
    async def seat(self, session: LiveSession) -> AsyncIterator[bool]:
        """Hold a place for ``session`` (False: the server is full); it leaves on the way out."""
        if len(self.live) >= self.max_games:
            yield False
            return
        self.live.add(session)
        try:
            yield True
        finally:
            await session.leave()
            self.live.discard(session)

    async def finish_all(self) -> None:
        """The server stops: every game is recorded as it stands."""
        await asyncio.gather(*(s.leave() for s in list(self.live)))
