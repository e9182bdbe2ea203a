"""What an agent sees: named observation builders that plugins register.

The profile's screen pipeline (``inputs: screen``, the default) is built in. A plugin registers
more with ``arena_register_observations``: a *builder* is called once per env and player with
the game's name and the parameters its profile gives, and returns an :class:`Observer` that
declares its shape and range and turns each agent step's RAM and screens into an array. A
profile lists the inputs it supports under ``inputs:``, each naming its builder::

    inputs:
      tiles: {builder: smb_tiles, size: 13}

and an agent picks one by name (``--inputs tiles``), saved in its checkpoint's manifest
(``observation.inputs``) so that playback and benchmarks build the same inputs.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from arena.core.errors import ArenaError, ProfileError, did_you_mean

if TYPE_CHECKING:
    from arena.emulation.emulator import Emulator
    from arena.profiles.loading import Profile

SCREEN = "screen"
"""The built-in inputs: the profile's ``observation`` pipeline over the screen."""


class Memory:
    """The console's RAM after an agent step, read lazily (a builder may need none of it)."""

    def __init__(self, blocks: Callable[[], Mapping[int, bytes]]) -> None:
        self._read_blocks = blocks
        self._blocks: dict[int, bytes] | None = None

    def read(self, address: int, length: int) -> np.ndarray:
        """``length`` bytes from ``address`` (uint8), across adjacent RAM blocks if need be
        (stable-retro hands the NES's 2 KiB of RAM over as two blocks of 1 KiB)."""
        if self._blocks is None:
            self._blocks = dict(sorted(self._read_blocks().items()))
        parts, at, end = [], address, address + length
        for start, data in self._blocks.items():
            if start <= at < start + len(data):
                parts.append(data[at - start : min(end, start + len(data)) - start])
                at = start + len(data)
                if at >= end:
                    return np.frombuffer(parts[0] if len(parts) == 1 else b"".join(parts), np.uint8)
        raise ArenaError(f"RAM {address:#x}..{end - 1:#x} is not all mapped")


@dataclass(frozen=True)
class GameView:
    """What an observer reads after an agent step: the RAM, and the screens of the step's
    last ``screens_needed`` frames (oldest first; empty for a RAM-only observer)."""

    memory: Memory
    screens: list[np.ndarray]

    @classmethod
    def of(cls, emulator: Emulator, screens: list[np.ndarray]) -> GameView:
        """The view of ``emulator`` as it is now, its RAM read only if an observer asks."""
        return cls(Memory(lambda: emulator.memory.blocks), screens)


class Observer(abc.ABC):
    """One player's inputs in one env. ``shape``, ``dtype``, ``low`` and ``high`` declare the
    arrays it returns; the env checks every one against them."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any] = np.dtype(np.uint8)
    low: float = 0
    high: float = 255
    screens_needed: int = 0
    """How many of an agent step's last frames it needs the screen of (0: RAM only)."""

    @abc.abstractmethod
    def reset(self, view: GameView) -> np.ndarray:
        """The first observation of an episode."""

    @abc.abstractmethod
    def step(self, view: GameView) -> np.ndarray:
        """The observation after an agent step."""


Builder = Callable[..., Observer]
"""``builder(game, **parameters) -> Observer``: ``game`` is the stable-retro game id; the
parameters are those the profile gives the inputs (``size: 13``). A bad parameter is a
``ValueError`` or ``TypeError`` whose message says what is wrong."""


@dataclass(frozen=True)
class BuilderEntry:
    name: str
    builder: Builder
    description: str
    plugin: str


def build(profile: Profile, inputs: str, known: Mapping[str, BuilderEntry]) -> Observer:
    """The observer for ``inputs`` of ``profile`` (not the screen: the env builds that), made by
    the builder of ``known`` (the plugin host's observation builders) that the inputs name."""
    offered = profile.inputs
    if inputs not in offered:
        names = [SCREEN, *offered]
        raise ProfileError(
            profile.source,
            "inputs",
            f"profile {profile.name!r} has no inputs {inputs!r}{did_you_mean(inputs, names)}; "
            f"it offers: {', '.join(names)}",
        )
    parameters = dict(offered[inputs])
    name = parameters.pop("builder")
    if name not in known:
        raise ProfileError(
            profile.source,
            f"inputs.{inputs}.builder",
            f"no plugin registers the observation builder {name!r}{did_you_mean(name, known)}",
        )
    try:
        observer = known[name].builder(profile.game, **parameters)
    except (TypeError, ValueError) as exc:
        raise ProfileError(profile.source, f"inputs.{inputs}", f"{name}: {exc}") from None
    if not isinstance(observer, Observer):
        raise ArenaError(f"observation builder {name!r} returned {observer!r:.60}, not an Observer")
    return observer


def check_observation(observer: Observer, array: Any, name: str) -> np.ndarray:
    """``array`` if it is what ``observer`` declared; else one line naming the builder."""
    if (
        not isinstance(array, np.ndarray)
        or array.shape != tuple(observer.shape)
        or array.dtype != observer.dtype
    ):
        got = (
            f"{array.shape} {array.dtype}"
            if isinstance(array, np.ndarray)
            else type(array).__name__
        )
        raise ArenaError(
            f"observation builder {name!r} returned {got}; it declared "
            f"{tuple(observer.shape)} {observer.dtype}"
        )
    return array
