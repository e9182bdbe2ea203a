"""The evaluation protocol: what makes two seeds two different episodes.

The emulator is deterministic, so without help a seed reaches only the agent: a greedy policy
or a NEAT genome plays the very same episode for every seed, and N seeds are one sample, not N.
The arena perturbs episodes the way the Arcade Learning Environment v5 does, following Machado
et al. (2018), "Revisiting the Arcade Learning Environment":

- **sticky actions**: on every emulated frame, with probability ``sticky`` a player's buttons
  of the previous frame are pressed again instead of the ones its agent chose (the previous
  frame of a reset is "no button");
- **no-op starts** (optional): after a reset, a number of frames drawn uniformly from
  ``0..noop_max`` is emulated with no button pressed before the agent's first step.

Both are drawn from the episode's seed, so every seed is its own, reproducible episode. The
buttons actually pressed are what the ``.bk2`` records, so a replay is exact.

Defaults, and why: ``bench``, ``match``, ``tournament`` and ``run`` evaluate with
``sticky=0.25`` (ALE v5's and Machado et al.'s recommendation; it hardly changes how a game
plays for a person, yet defeats memorized open-loop input sequences) and no no-op starts
(Machado et al. recommend sticky actions instead of them: no-ops randomize only the start).
Trainers default to ``sticky=0``, the setting the published recipes the built-in trainers follow
(cleanrl's PPO, the NEAT tutorials) train with; pass ``--sticky 0.25`` to train for the
evaluation protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from arena.core.errors import UsageError
from arena.core.models import expect, is_finite, is_int

STREAM = 0x57C1C7  # keeps the protocol's draws apart from an agent seeded with the same seed
NOOP_MAX_LIMIT = 10_000


def _is_probability(value: Any) -> bool:
    return is_finite(value) and 0 <= value < 1


def _is_noop_max(value: Any) -> bool:
    return is_int(value) and 0 <= value <= NOOP_MAX_LIMIT


PROBABILITY = "a probability in [0, 1)"
NOOP_RANGE = f"a whole number from 0 to {NOOP_MAX_LIMIT}"


class Protocol(BaseModel):
    """How episodes are perturbed so that seeds differ: sticky actions and no-op starts.

    The one shape of a protocol: the env plays it; suites, sidecars, results lines and
    tournaments hold it. A value out of range raises ``ValueError``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    sticky: Annotated[float, Field(ge=0, lt=1), expect(_is_probability, PROBABILITY)] = 0.0
    """Probability, per emulated frame and player, that the previous frame's buttons repeat."""
    noop_max: Annotated[int, Field(ge=0, le=NOOP_MAX_LIMIT), expect(_is_noop_max, NOOP_RANGE)] = 0
    """Most frames with no button pressed after a reset (uniform from 0 to this)."""
    cheats: tuple[str, ...] = Field(default=(), exclude_if=lambda names: not names)
    """The profile's cheats and RAM pokes switched on (``--cheat NAME``), sorted: cheated and
    plain play are different protocols, so they never pool on one board. Left out of records when
    none is on, so plain records read as they always did."""

    human: SkipJsonSchema[bool] = Field(default=False, exclude_if=lambda person: not person)
    """A person played a seat (``arena serve``): their buttons go to the game frame by frame as
    pressed, never sticky, and the protocol's sticky actions are the agent's seat's alone. A
    person's games are another protocol than agents' play, so they never pool on one board.
    Left out of records of agents' play."""

    def __init__(self, sticky: float = 0.0, noop_max: int = 0, **extra: Any) -> None:
        super().__init__(sticky=sticky, noop_max=noop_max, **extra)

    @staticmethod
    def problems_of(sticky: Any, noop_max: Any) -> list[tuple[str, str]]:
        """(option, problem) for every value out of range; empty when they make a protocol."""
        found = []
        if not _is_probability(sticky):
            found.append(("sticky", f"must be {PROBABILITY}, got {sticky!r}"))
        if not _is_noop_max(noop_max):
            found.append(("noop_max", f"must be {NOOP_RANGE}, got {noop_max!r}"))
        return found

    @property
    def deterministic(self) -> bool:
        return self.sticky == 0 and self.noop_max == 0

    def with_cheats(self, cheats: Iterable[str]) -> Protocol:
        """This protocol with these cheats switched on as well."""
        return self.model_copy(update={"cheats": tuple(sorted({*self.cheats, *cheats}))})

    def describe(self) -> str:
        """One line for boards and reports."""
        cheats = f"; cheats on: {', '.join(self.cheats)}" if self.cheats else ""
        person = "a person's buttons as pressed; " if self.human else ""
        if self.human and self.sticky:
            person += "the agent: "
        if self.deterministic:
            return person + "deterministic (no sticky actions, no no-op starts)" + cheats
        parts = [f"sticky actions p={self.sticky:g}" if self.sticky else "no sticky actions"]
        parts.append(
            f"up to {self.noop_max} no-op frames at reset" if self.noop_max else "no no-op starts"
        )
        return person + ", ".join(parts) + cheats

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


EVALUATION = Protocol(sticky=0.25, noop_max=0)
"""The default of ``bench``, ``match``, ``tournament`` and ``run``."""

TRAINING = Protocol()
"""The default of ``arena train``."""


@dataclass(frozen=True)
class ProtocolOptions:
    """What a command's options say of the protocol, each None where not given; the one
    place that decides the protocol a command plays under (:meth:`resolve`)."""

    sticky: float | None = None
    noop_max: int | None = None
    cheats: tuple[str, ...] = ()

    def resolve(self, default: Protocol, suite: Protocol | None = None) -> Protocol:
        """Each option given, else the suite's ``protocol:`` block (where the command plays
        a suite), else the command's ``default`` (:data:`EVALUATION`, :data:`TRAINING`); the
        options' cheats are switched on beside those of the block. A value out of range
        raises :class:`UsageError` naming the option."""
        base = suite or default
        chosen = (
            base.sticky if self.sticky is None else self.sticky,
            base.noop_max if self.noop_max is None else self.noop_max,
        )
        for key, problem in Protocol.problems_of(*chosen):
            raise UsageError(f"--{key.replace('_', '-')} {problem}")
        return Protocol(*chosen, cheats=base.cheats).with_cheats(self.cheats)


def episode_rng(seed: int) -> np.random.Generator:
    """The protocol's random stream for an episode seeded with ``seed``."""
    return np.random.default_rng([STREAM, seed & 0xFFFF_FFFF_FFFF_FFFF])
