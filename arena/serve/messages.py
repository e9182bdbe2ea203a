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


class ClientMessage(BaseModel):
    message: Annotated[Buttons | Drawn | Leave, Field(discriminator="type")]
