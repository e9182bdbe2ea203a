"""The messages of ``arena serve``'s API, typed: what a page (or a script) may ask, and what
it is told. Everything from a browser is checked here before the server acts on it; a value
out of bounds is refused with the field and the reason."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from arena.services.live import MAX_HELD, PLAYER_NAME

PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")


def _plain(value: str) -> str:
    if not PLAIN.match(value):
        raise ValueError(f"{value[:40]!r} is not a plain name (a game, state or offered label)")
    return value


Name = Annotated[str, AfterValidator(_plain)]
"""A game, state or label: a plain name, never a path."""
Button = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,12}$")]

MAX_MESSAGE_BYTES = 4096
"""The longest message a page sends (its buttons: about 100 bytes)."""
MAX_MESSAGES_PER_SECOND = 240
"""A page sends a message when its buttons change: four times the frame rate is a flood."""


class PlayRequest(BaseModel):
    """``/ws/play?game=G&state=S&seat=1&opponent=ENTRY&player=NAME&seed=N``: a person takes
    ``seat`` (1 or 2) and ``opponent`` the other one of a 2-player state; ``watch=A,B``
    seats two entries (or one, on a 1-player state) with nobody playing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    game: Name
    state: Name | None = None
    seat: Annotated[int, Field(ge=1, le=2)] = 1
    opponent: Name | None = None
    player: Annotated[str, StringConstraints(pattern=PLAYER_NAME.pattern)] = "player"
    seed: Annotated[int, Field(ge=0, lt=2**31)] = 0
    watch: Annotated[list[Name], Field(max_length=2)] = []
    tools: bool = False
    """The Integration UI's jobs on the game (a person alone)."""
    cheat: Annotated[list[Name], Field(max_length=16)] = []
    """The profile's cheats and pokes to switch on from the start."""
    token: str | None = None


class Buttons(BaseModel):
    """The buttons the person holds now (the console's names); ``seq`` numbers the message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["buttons"]
    held: Annotated[list[Button], Field(max_length=MAX_HELD)]
    seq: Annotated[int, Field(ge=0, lt=2**31)] = 0


class Drawn(BaseModel):
    """The page drew (or played the sound of) frame ``frame``: the server sends a screen
    only while the page is at most :data:`AHEAD` frames behind, so a page that fell behind
    catches up instead of drawing late frames for the rest of the game."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["drawn"]
    frame: Annotated[int, Field(ge=0, lt=2**32)]


AHEAD = 2
"""Screens the server sends ahead of the last one the page drew; the rest are sound only."""


class Leave(BaseModel):
    """The person ends the game: it is recorded as it stands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["leave"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pause(_Message):
    type: Literal["pause"]


class Resume(_Message):
    type: Literal["resume"]


class Step(_Message):
    """Play ``frames`` frames while paused."""

    type: Literal["step"]
    frames: Annotated[int, Field(ge=1, le=600)] = 1


SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)


def _speed(factor: float) -> float:
    if factor not in SPEEDS:
        raise ValueError(f"{factor:g} is not a speed; the speeds: {', '.join(map(str, SPEEDS))}")
    return factor


class Speed(_Message):
    type: Literal["speed"]
    factor: Annotated[float, AfterValidator(_speed)]


class RewindMessage(_Message):
    type: Literal["rewind"]
    seconds: Annotated[float, Field(gt=0, le=60)]


Symbol = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")]
RamType = Annotated[str, StringConstraints(pattern=r"^[|<>=][uid][1-8]$")]
Address = Annotated[int, Field(ge=0, lt=2**24)]
Expression = Annotated[str, Field(max_length=300)]


class SaveStateMessage(_Message):
    type: Literal["save_state"]
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    replace: bool = False


class SearchMessage(_Message):
    type: Literal["search"]
    kind: Literal["start", "equals", "increased", "decreased", "changed", "unchanged"]
    ram_type: RamType = "|u1"
    value: Annotated[int, Field(ge=-(2**63), lt=2**63)] | None = None


class WatchMessage(_Message):
    type: Literal["watch"]
    address: Address
    ram_type: RamType = "|u1"


class PokeMessage(_Message):
    type: Literal["poke"]
    address: Address
    value: Annotated[int, Field(ge=-(2**31), lt=2**32)]
    ram_type: RamType = "|u1"


class CheatMessage(_Message):
    type: Literal["cheat"]
    code: Annotated[str, Field(min_length=4, max_length=40)]


class RuleMessage(_Message):
    type: Literal["rule"]
    name: Symbol
    expression: Expression


class WriteProfileMessage(_Message):
    type: Literal["write_profile"]
    name: Symbol
    variables: Annotated[list[tuple[Symbol, Address, RamType]], Field(max_length=32)] = []
    rewards: Annotated[list[tuple[Symbol, Expression]], Field(max_length=16)] = []
    done: Annotated[list[tuple[Symbol, Expression]], Field(max_length=16)] = []


TOOLS = (
    RewindMessage, SaveStateMessage, SearchMessage, WatchMessage, PokeMessage, CheatMessage,
    RuleMessage, WriteProfileMessage,
)  # fmt: skip
"""The messages the game's process answers (the Integration UI's jobs)."""


class ClientMessage(BaseModel):
    message: Annotated[
        Buttons | Drawn | Leave | Pause | Resume | Step | Speed | RewindMessage
        | SaveStateMessage | SearchMessage | WatchMessage | PokeMessage | CheatMessage
        | RuleMessage | WriteProfileMessage,
        Field(discriminator="type"),
    ]
