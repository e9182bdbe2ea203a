"""A profile's states: those it declares, and those ``arena state`` made for its game."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from arena.retro import states as store


@dataclass(frozen=True)
class StateSpec:
    """One save state: how many players it is for and the constants the rules read there."""

    name: str
    players: int = 1
    constants: Mapping[str, float] = field(default_factory=dict)
    made_by: str | None = None
    """The command that made it, for a state ``arena state`` made and the profile does not
    declare (None: a declared state)."""
    start: tuple[tuple[str | int, ...], ...] | None = None
    """A declared state the integration lacks: the script from power-on that ``arena roms
    fetch`` plays to make it."""


def made_states(
    game: str, declared: Mapping[str, StateSpec], two_players: bool
) -> tuple[dict[str, StateSpec], dict[str, str]]:
    """The states ``arena state`` made for ``game`` that the profile does not declare, and
    those it cannot play with why. Each plays with its recorded players and the constants of
    the state it was made from; one whose origin gives no constants the declared states have,
    or a 2-player state of a profile without player 2's rewards, is left out."""
    keys = {key for spec in declared.values() for key in spec.constants}
    made, left_out = {}, {}
    for name, meta in store.made_states(game).items():
        if name in declared:
            continue
        origin = declared.get(meta.based_on) if meta.based_on else None
        constants = dict(origin.constants) if origin else {}
        if missing := keys - set(constants):
            left_out[name] = (
                f"made from {meta.based_on or 'power-on'}, it lacks the constants "
                f"{', '.join(sorted(missing))}: declare it under states: with them"
            )
        elif meta.players == 2 and not two_players:
            left_out[name] = "a 2-player state, and the profile has no reward_p2"
        else:
            made[name] = StateSpec(name, meta.players, constants, made_by=meta.made_by)
    return made, left_out
