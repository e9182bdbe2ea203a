"""Probes as a profile declares them: scripted inputs on the real game and what must follow
(played by :mod:`arena.play.probes`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from arena.core.errors import ProfileError, did_you_mean
from arena.profiles import schema
from arena.profiles.expressions import Expression
from arena.profiles.schema import COMPARISON, ExpectModel, ProbeModel
from arena.profiles.states import StateSpec

Comparison = tuple[str, float]
"""A probe's expectation of a number: (operator, reference), e.g. (">", 0.0)."""
Fail = Callable[..., ProfileError]
"""How the loader words an error: ``fail(key_path, problem, hint=None)``."""


@dataclass(frozen=True)
class Probe:
    """A scripted input sequence and what must follow on the real game (see arena.probes)."""

    name: str
    state: str
    inputs: tuple[tuple[tuple[int, ...], int], ...]
    """(action index per player, agent steps) pairs, played in order."""
    repeat: bool = True
    """Loop the inputs until the episode ends."""
    noops: tuple[int, ...] = (0,)
    """The no-op frames before the inputs start, one play each (``phases:`` gives every
    frame phase of a step)."""
    max_frames: int | None = None
    terms: Mapping[str, Comparison] = field(default_factory=dict)
    """Episode totals of reward terms (``p2.NAME`` for player 2) and what they must satisfy."""
    done: str | None = None
    """The done condition (or ``time_limit``) that must end the episode."""
    before_frame: int | None = None
    progress: Comparison | None = None
    cheats: tuple[str, ...] = ()
    """The profile's cheats and pokes switched on while it plays."""


def load_probes(
    raw: Mapping[str, ProbeModel],
    states: Mapping[str, StateSpec],
    default_state: str,
    actions: Mapping[str, Any],
    rewards: list[dict[str, Expression]],
    done: Mapping[str, Expression],
    cheat_names: Sequence[str],
    frame_skip: int,
    fail: Fail,
) -> tuple[Probe, ...]:
    """The profile's ``probes:``, checked against its states, actions, terms and cheats."""
    terms = [
        name if player == 0 else f"p{player + 1}.{name}"
        for player, group in enumerate(rewards)
        for name in group
    ]
    conditions = [*done, "time_limit"]
    probes = []
    for name, spec in raw.items():
        path = f"probes.{name}"
        state = spec.state or default_state
        if state not in states:
            raise fail(
                f"{path}.state", f"{state!r} is not among 'states'{did_you_mean(state, states)}"
            )
        players = states[state].players
        steps = []
        for index, entry in enumerate(spec.inputs):
            where = f"{path}.inputs[{index}]"
            *names, count = entry
            shape = "[action, steps]" if players == 1 else "[p1_action, p2_action, steps]"
            if len(entry) != players + 1 or not isinstance(count, int) or count < 1:
                raise fail(where, f"expected {shape} with steps >= 1, got {entry!r}")
            if count > schema.MAX_FRAMES:
                raise fail(
                    where, f"{count:,} steps; a probe step plays at most {schema.MAX_FRAMES:,}"
                )
            for action in names:
                if action not in actions:
                    raise fail(
                        where,
                        f"unknown action {action!r}{did_you_mean(str(action), actions)}",
                        f"valid: {', '.join(actions)}",
                    )
            steps.append((tuple(list(actions).index(str(a)) for a in names), count))
        expect = spec.expect
        if expect == ExpectModel():
            raise fail(f"{path}.expect", "a probe must expect something")
        for term in expect.terms:
            if term not in terms:
                raise fail(
                    f"{path}.expect.terms.{term}",
                    f"unknown reward term {term!r}{did_you_mean(term, terms)}",
                    f"valid: {', '.join(terms)}",
                )
        for cheat in spec.cheats:
            if cheat not in cheat_names:
                raise fail(
                    f"{path}.cheats",
                    f"unknown cheat {cheat!r}{did_you_mean(cheat, cheat_names)}",
                    f"valid: {', '.join(cheat_names) or '(none: add cheats: or pokes:)'}",
                )
        if expect.done is not None and expect.done not in conditions:
            raise fail(
                f"{path}.expect.done",
                f"unknown done condition {expect.done!r}" + did_you_mean(expect.done, conditions),
                f"valid: {', '.join(conditions)}",
            )
        probes.append(
            Probe(
                name=name,
                state=state,
                inputs=tuple(steps),
                repeat=spec.repeat,
                noops=tuple(range(frame_skip)) if spec.phases else (0,),
                max_frames=spec.max_frames,
                terms={t: comparison(c) for t, c in expect.terms.items()},
                done=expect.done,
                before_frame=expect.before_frame,
                cheats=tuple(sorted(set(spec.cheats))),
                progress=None if expect.progress is None else comparison(expect.progress),
            )
        )
    return tuple(probes)


def comparison(text: str) -> Comparison:
    """``"> 0"`` -> (">", 0.0); the schema has checked the form."""
    match = COMPARISON.match(text)
    assert match is not None
    return match.group(1), float(match.group(2))
