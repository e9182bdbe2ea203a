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

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

STREAM = 0x57C1C7  # keeps the protocol's draws apart from an agent seeded with the same seed
NOOP_MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Protocol:
    """How an episode is perturbed: sticky actions and no-op starts (see the module doc)."""

    sticky: float = 0.0
    """Probability, per emulated frame and player, that the previous frame's buttons repeat."""
    noop_max: int = 0
    """Most frames with no button pressed after a reset (uniform from 0 to this)."""

    def problems(self) -> list[tuple[str, str]]:
        """(option, problem) for every value out of range; empty when the protocol is valid."""
        found = []
        sticky = self.sticky
        if (
            isinstance(sticky, bool)
            or not isinstance(sticky, int | float)
            or not math.isfinite(sticky)
            or not 0 <= sticky < 1
        ):
            found.append(("sticky", f"must be a probability in [0, 1), got {sticky!r}"))
        noop = self.noop_max
        if isinstance(noop, bool) or not isinstance(noop, int) or not 0 <= noop <= NOOP_MAX_LIMIT:
            found.append(
                ("noop_max", f"must be a whole number from 0 to {NOOP_MAX_LIMIT}, got {noop!r}")
            )
        return found

    @property
    def deterministic(self) -> bool:
        return self.sticky == 0 and self.noop_max == 0

    def describe(self) -> str:
        """One line for boards and reports."""
        if self.deterministic:
            return "deterministic (no sticky actions, no no-op starts)"
        parts = [f"sticky actions p={self.sticky:g}" if self.sticky else "no sticky actions"]
        parts.append(
            f"up to {self.noop_max} no-op frames at reset" if self.noop_max else "no no-op starts"
        )
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> Protocol:
        """The protocol recorded in a results line or sidecar (deterministic when absent)."""
        if not isinstance(raw, dict):
            return cls()
        return cls(raw.get("sticky", 0.0), raw.get("noop_max", 0))


EVALUATION = Protocol(sticky=0.25, noop_max=0)
"""The default of ``bench``, ``match``, ``tournament`` and ``run``."""

TRAINING = Protocol()
"""The default of ``arena train``."""


def episode_rng(seed: int) -> np.random.Generator:
    """The protocol's random stream for an episode seeded with ``seed``."""
    return np.random.default_rng([STREAM, seed & 0xFFFF_FFFF_FFFF_FFFF])
