"""A live game over its WebSocket (``/ws/play``): the request checked and turned into a game of
what the server offers, then the console's loop, a frame a tick at the console's rate, with
the page's messages checked, bounded and applied between frames (see :mod:`arena.serve.app`
for the messages)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from arena.core.errors import ArenaError
from arena.core.models import first_error
from arena.host.entries import Entry
from arena.serve.messages import (
    AHEAD,
    MAX_MESSAGE_BYTES,
    MAX_MESSAGES_PER_SECOND,
    TOOLS,
    Buttons,
    CheatMessage,
    ClientMessage,
    Drawn,
    Leave,
    Pause,
    PlayRequest,
    PokeMessage,
    Resume,
    RewindMessage,
    RuleMessage,
    SaveStateMessage,
    SearchMessage,
    Speed,
    Step,
    WatchMessage,
    WriteProfileMessage,
)
from arena.serve.served import Served
from arena.serve.sessions import LiveSession
from arena.services import workbench
from arena.services.live import Advance, LiveGame, Person, Seat, Show, Shown

FRAME_HEADER = struct.Struct("<4sIHHIddI")
"""A frame's header: b"ARF1", frame number, width, height, audio sample frames, each seat's
return (two), and the number of the last message of buttons the frame holds."""


def frame_message(shown: Shown, screen: bool = True) -> bytes:
    """One frame for the page: the header, the screen's RGB bytes (none, width and height 0,
    while the page is behind), then the sound."""
    height, width = shown.screen.shape[:2] if screen else (0, 0)
    returns = [*shown.returns, 0.0][:2]
    header = FRAME_HEADER.pack(
        b"ARF1", shown.frame, width, height, len(shown.audio), *returns, shown.acked
    )
    pixels = shown.screen.tobytes() if screen else b""
    return header + pixels + shown.audio.astype("<i2").tobytes()


class Refused(Exception):
    """A request the server will not play (why, for the page)."""


def live_game(served: Served, request: PlayRequest) -> LiveGame:
    """The game a request asks for, from what this server offers only."""
    playable = served.games.get(request.game)
    if playable is None:
        raise Refused(f"no game {request.game!r} here; the games: {', '.join(served.games)}")
    states = dict(playable.states)
    state = request.state or playable.default_state
    if state not in states:
        raise Refused(f"{request.game} has no state {state!r}; its states: {', '.join(states)}")

    def entry(label: str) -> Entry:
        if label not in served.entries:
            offered = ", ".join(served.entries) or "none (start the server with --entry)"
            raise Refused(f"no entry {label!r} is offered here; offered: {offered}")
        return served.entries[label]

    players = states[state]
    if request.tools and (request.watch or players != 1):
        raise Refused("the tools are for a game a person plays alone (a 1-player state)")
    seats: list[Seat]
    if request.watch:
        if len(request.watch) != players:
            raise Refused(f"state {state!r} is for {players} player(s): watch names {players}")
        seats = [entry(label) for label in request.watch]
    elif players == 1:
        if request.opponent is not None:
            raise Refused(f"state {state!r} is for 1 player: there is no other seat")
        seats = [Person(request.player)]
    else:
        if request.opponent is None:
            raise Refused(f"state {state!r} is for 2 players: name an opponent (&opponent=)")
        seats = [Person(request.player), entry(request.opponent)]
        if request.seat == 2:
            seats.reverse()
    runs = served.config.runs
    return LiveGame(
        request.game, state, tuple(seats), request.seed, runs, playable.source,
        request.tools, tuple(request.cheat),
    )  # fmt: skip


async def play(websocket: WebSocket) -> None:
    served: Served = websocket.app.state.served
    await websocket.accept()
    query: dict[str, Any] = dict(websocket.query_params)
    for listed in ("watch", "cheat"):
        if listed in query:
            query[listed] = [w for w in query[listed].split(",") if w]
    try:
        game = live_game(served, PlayRequest.model_validate(query))
    except ValidationError as exc:
        await _end(websocket, _problem(exc))
        return
    except Refused as exc:
        await _end(websocket, str(exc))
        return
    session = LiveSession(served.host, game)
    async with served.sessions.seat(session) as seated:
        if not seated:
            limit = served.sessions.max_games
            await _end(
                websocket,
                f"{limit} live games are playing, the most this server allows (--max-games "
                f"{limit}); try again when one ends",
                code=1013,
            )
            return
        try:
            facts = await session.start()
        except ArenaError as exc:
            await _end(websocket, str(exc))
            return
        await websocket.send_json({"type": "started", **asdict(facts), "label": game.label})
        problem = await _live(websocket, session, game)
        result = session.result or await session.leave()
        if websocket.client_state == WebSocketState.CONNECTED:
            ended: dict[str, Any] = {"type": "ended", "problem": problem}
            if result is not None:
                ended["result"] = {
                    "returns": result.returns,
                    "frames": result.frames,
                    "done_reason": result.done_reason,
                    "forfeit": result.forfeit,
                    "movie": _under(served.config.runs, result.movie),
                    "board": _under(served.config.runs, session.board),
                }
            with contextlib.suppress(Exception):
                await websocket.send_json(ended)
                await websocket.close(code=1008 if problem else 1000)


def _problem(exc: ValidationError) -> str:
    """The first thing wrong with a request or message, in one line."""
    where, problem, _ = first_error(exc)
    return f"{where}: {problem.removeprefix('value error, ')}"


def _under(runs: Path, path: Path | str | None) -> str | None:
    if path is None:
        return None
    with contextlib.suppress(ValueError):
        return Path(path).resolve().relative_to(runs.resolve()).as_posix()
    return None


async def _end(websocket: WebSocket, problem: str, code: int = 1008) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json({"type": "error", "message": problem})
        await websocket.close(code=code, reason=problem[:120])


class Inputs:
    """What the person holds, from the page's messages (checked, bounded in size and rate)."""

    def __init__(self, players: int, seat: int | None, tools: bool = False) -> None:
        self.held: list[tuple[str, ...]] = [()] * players
        self.seat = seat
        self.tools = tools
        self.paused = False
        self.steps = 0
        self.speed = 1.0
        self.asked: list[Any] = []
        """Messages for the game's process (the tools), in the order they came."""
        self.refused: list[tuple[str, str]] = []
        self.wake = asyncio.Event()
        self.seq = 0
        self.drawn: int | None = None
        """The last frame the page drew (None: it never says, as a script may not)."""
        self.times: deque[float] = deque()
        self.left = False

    def take(self, text: str | None, data: bytes | None) -> None:
        """One message from the page; raises ValueError (why) on a bad one."""
        if data is not None or text is None:
            raise ValueError("binary messages are not part of this API")
        if len(text) > MAX_MESSAGE_BYTES:
            raise ValueError(f"a message of {len(text):,} bytes; the most is {MAX_MESSAGE_BYTES}")
        now = time.monotonic()
        self.times.append(now)
        while self.times and self.times[0] < now - 1:
            self.times.popleft()
        if len(self.times) > MAX_MESSAGES_PER_SECOND:
            raise ValueError(f"over {MAX_MESSAGES_PER_SECOND} messages a second")
        try:
            message = ClientMessage.model_validate({"message": json.loads(text)}).message
        except ValidationError as exc:
            raise ValueError(_problem(exc).removeprefix("message.")) from None
        except json.JSONDecodeError:
            raise ValueError("a message that is not JSON") from None
        if isinstance(message, Leave):
            self.left = True
            self.wake.set()
        elif isinstance(message, Pause | Resume | Step | Speed):
            if not self.tools:  # time is the same for a rated game's every player
                self.refused.append((message.type, "pause, step and speed are tools: &tools=1"))
            elif isinstance(message, Pause):
                self.paused = True
            elif isinstance(message, Resume):
                self.paused = False
            elif isinstance(message, Step):
                self.steps += message.frames
            else:
                self.speed = float(message.factor)
            self.wake.set()
        elif isinstance(message, TOOLS):
            self.asked.append(message)
            self.wake.set()
        elif isinstance(message, Drawn):
            self.drawn = max(self.drawn or 0, message.frame)
        elif isinstance(message, Buttons) and self.seat is not None:
            self.held[self.seat] = tuple(dict.fromkeys(message.held))
            self.seq = message.seq


async def _live(websocket: WebSocket, session: LiveSession, game: LiveGame) -> str | None:
    """Play the game at the console's speed until it ends, the person leaves or a bad message
    comes; returns what was wrong, if anything."""
    assert session.facts is not None
    seat = next((p for p, s in enumerate(game.seats) if isinstance(s, Person)), None)
    inputs = Inputs(len(game.seats), seat, game.tools)
    problem: list[str] = []

    async def listen() -> None:
        while not inputs.left:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                inputs.left = True
                return
            try:
                inputs.take(message.get("text"), message.get("bytes"))
            except ValueError as exc:
                problem.append(str(exc))
                return

    async def show(shown: Shown) -> bool:
        """Send a frame (and the tools' panel); True once the game has ended."""
        drawn = inputs.drawn
        screen = drawn is None or shown.frame - drawn <= AHEAD or shown.ended is not None
        await websocket.send_bytes(frame_message(shown, screen))
        if shown.panel is not None:
            await websocket.send_json({"type": "panel", **shown.panel})
        if shown.ended is not None:
            await session.ended(shown.ended)
            return True
        return False

    async def answer() -> None:
        """The tools' messages, answered in order between two frames."""
        for kind, why in inputs.refused:
            await websocket.send_json({"type": "refused", "to": kind, "message": why})
        inputs.refused.clear()
        while inputs.asked:
            message = inputs.asked.pop(0)
            try:
                reply = await session.call(tool_task(message, session.facts))
            except ArenaError as exc:  # a tool's refusal: the game plays on
                await websocket.send_json(
                    {"type": "refused", "to": message.type, "message": str(exc)}
                )
                continue
            await websocket.send_json({**reply, "type": "reply", "to": message.type})
            if isinstance(message, RewindMessage | PokeMessage | CheatMessage):
                await show(await session.call(Show()))  # the screen where the game stands

    async def frames() -> None:
        loop = asyncio.get_running_loop()
        period = 1 / session.facts.frame_rate  # type: ignore[union-attr]
        due, credit = loop.time(), 0.0
        while not inputs.left:
            await answer()
            if inputs.paused and not inputs.steps:
                inputs.wake.clear()
                await inputs.wake.wait()
                due = loop.time()
                continue
            if inputs.paused:
                count, inputs.steps = inputs.steps, 0
            else:  # 0.25x: a frame every 4th tick; 4x: 4 frames a tick
                credit += inputs.speed
                count = int(credit)
                credit -= count
            if count:
                advance = Advance(tuple(inputs.held), count, inputs.seq)
                if await show(await session.call(advance)):
                    return
            due += period
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.25:  # far behind (a busy machine): go on from now, no burst
                due = loop.time()

    tasks = [asyncio.create_task(listen()), asyncio.create_task(frames())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        exc = task.exception()
        if isinstance(exc, WebSocketDisconnect):
            continue
        if isinstance(exc, ArenaError) and session.dead:
            problem.append(f"the game's process stopped ({exc}); no movie of it is kept")
        elif isinstance(exc, ArenaError):
            problem.append(str(exc))
        elif exc is not None:
            raise exc
    return problem[0] if problem else None


def tool_task(message: Any, facts: Any) -> Any:
    """What the game's process is asked for a tool's message."""
    if isinstance(message, RewindMessage):
        return workbench.Rewind(round(message.seconds * facts.frame_rate))
    if isinstance(message, SaveStateMessage):
        return workbench.SaveState(message.name, message.replace)
    if isinstance(message, SearchMessage):
        return workbench.Search(message.kind, message.ram_type, message.value)
    if isinstance(message, WatchMessage):
        return workbench.Watch(message.address, message.ram_type)
    if isinstance(message, PokeMessage):
        return workbench.Poke(message.address, message.value, message.ram_type)
    if isinstance(message, CheatMessage):
        return workbench.Cheat(message.code)
    if isinstance(message, RuleMessage):
        return workbench.Rule(message.name, message.expression)
    assert isinstance(message, WriteProfileMessage)
    return workbench.WriteProfile(
        message.name,
        tuple(message.variables),
        tuple(message.rewards),
        tuple(message.done),
    )
