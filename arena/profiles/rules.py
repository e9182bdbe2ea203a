"""Evaluates a profile's variables, rewards and done rules once per agent step, and the done
rules on every emulated frame between steps.

Rewards and history (``delta``, ``best``...) advance once per agent step. The done rules also
see each frame inside a step (:meth:`RuleEngine.watch`): a game over that lasts one frame
(Joust's) would otherwise be seen one time in ``frame_skip`` and the episode would play on into
the cartridge's next game. An env stops emulating at the frame a done rule turns true and ends
the step there, as ALE stops at the frame its game ends.

The engine is fed plain RAM values (a mapping of variable name to number), so the same code
runs on a live emulator and on synthetic RAM traces in tests.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arena.core.errors import ExpressionError
from arena.profiles.expressions import Expression, Scope
from arena.profiles.loading import BUILTIN_NAMES, Profile, StateSpec

TIME_LIMIT = "time_limit"
MAX_MAGNITUDE = 2.0**63
"""The largest value a variable, reward term or progress may take: RAM values fit in 8 bytes,
so anything bigger is a rule that runs away (``x * x`` of ``x * x``...), refused before it
can grow for ever or turn into an infinite or NaN return."""


def checked(value: float, where: str, frame: int) -> float:
    """``value`` if it is finite and within MAX_MAGNITUDE; else an error naming the rule."""
    if not (isinstance(value, int) or math.isfinite(value)) or abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(
            f"{where} is {value:.6g} at frame {frame}: not a finite number within +-2^63 "
            "(the episode ends as an error, never as a score)"
        )
    return value


@dataclass
class StepOutcome:
    """What one agent step produced: a reward per player and why the episode ended, if it did."""

    rewards: list[float]
    done_reason: str | None
    shaping: list[float] | None = None
    """Each player's training-only terms this step (None: the engine counts none)."""


class RuleEngine:
    """Stateful evaluator of one profile's rules for one episode at a time."""

    def __init__(self, profile: Profile, state: StateSpec, shaping: bool = False) -> None:
        """``shaping``: also evaluate the profile's training-only terms (``arena train``)."""
        self.profile = profile
        self.players = state.players
        self.constants = {**profile.constants, **state.constants}
        self.scope = Scope()
        self._history = {name for expr in self._expressions() for name in expr.history}
        # The compiled closures, called directly in the per-step loop.
        self._variables = [(n, e.evaluate) for n, e in profile.variables.items()]
        self._rewards = [[(n, e.evaluate) for n, e in terms.items()] for terms in profile.rewards]
        self._shaping = [
            [(n, e.evaluate) for n, e in terms.items()]
            for terms in (profile.shaping if shaping else ())
        ]
        self._done = [(n, e.evaluate) for n, e in profile.done.items()]
        watched = watched_names(profile)
        self.watched_ram = frozenset(
            watched - set(profile.variables) - set(self.constants) - set(BUILTIN_NAMES)
        )
        """The RAM variables the done rules read, through derived variables too: what an env
        reads on each frame between agent steps for :meth:`watch`."""
        self._watched_variables = [
            (n, e.evaluate) for n, e in profile.variables.items() if n in watched
        ]
        self._watched_history = sorted(self._history & watched)
        self._presses = [(p.name, p.when.evaluate) for p in profile.auto_press]
        self.pressing: tuple[str, ...] = ()
        """The auto presses (by name) whose condition held after the last step or reset: the
        env presses their buttons through the next agent step."""
        self.term_totals: list[dict[str, float]] = []
        self.best_progress: float | None = None

    def _expressions(self):
        yield from self.profile.variables.values()
        for terms in (*self.profile.rewards, *self.profile.shaping):
            yield from terms.values()
        yield from self.profile.done.values()
        yield from (p.when for p in self.profile.auto_press)
        if self.profile.progress is not None:
            yield self.profile.progress

    @property
    def values(self) -> dict[str, float]:
        """The current RAM, derived and built-in values (what agents see as ``info``)."""
        return self.scope.current

    def reset(self, ram: Mapping[str, float]) -> None:
        """Start an episode from the RAM values at reset: history starts here."""
        self.scope = Scope()
        self.term_totals = [
            dict.fromkeys(terms, 0.0) for terms in self.profile.rewards[: self.players]
        ]
        self._update(ram, frame=0, step=0, resetting=True)
        self.best_progress = self._progress()
        self.pressing = self._pressing()

    def step(self, ram: Mapping[str, float], frame: int, step: int) -> StepOutcome:
        """Advance to the RAM values after an agent step; ``frame`` counts emulated frames."""
        self._update(ram, frame, step, resetting=False)
        rewards = []
        scope = self.scope
        for player, terms in enumerate(self._rewards[: self.players]):
            total = 0.0
            for name, evaluate in terms:
                key = "reward" if player == 0 else f"reward_p{player + 1}"
                value = float(
                    checked(evaluate(scope), f"{self.profile.source}: {key}.{name}", frame)
                )
                self.term_totals[player][name] += value
                total += value
            rewards.append(total)
        shaping = None
        if self._shaping:
            keys = ("shaping", "shaping_p2")[: self.players]
            shaping = [
                sum(
                    float(checked(evaluate(scope), f"{self.profile.source}: {key}.{name}", frame))
                    for name, evaluate in terms
                )
                for key, terms in zip(keys, self._shaping[: self.players], strict=True)
            ]
        progress = self._progress()
        if progress is not None and (self.best_progress is None or progress > self.best_progress):
            self.best_progress = progress
        reason = next((name for name, rule in self._done if rule(scope)), None)
        self.pressing = self._pressing()
        if (
            reason is None
            and self.profile.max_frames is not None
            and frame >= self.profile.max_frames
        ):
            reason = TIME_LIMIT
        return StepOutcome(rewards, reason, shaping)

    def watch(self, ram: Mapping[str, float], frame: int) -> str | None:
        """The done rule true at ``frame``, a frame between two agent steps, if one is.

        ``ram`` holds at least :attr:`watched_ram`. The rules read this frame's values with the
        history of the last step (``delta`` is the change since that step), as they would if
        the step ended here; nothing is kept, so the step that follows starts afresh.
        """
        if not self._done:
            return None
        scope = self.frame_scope(ram, frame)
        return next((name for name, rule in self._done if rule(scope)), None)

    def frame_scope(self, ram: Mapping[str, float], frame: int) -> Scope:
        """The values the done rules would read if a step ended at ``frame`` with ``ram``."""
        last = self.scope
        scope = Scope(
            {**self.constants, **ram, "frame": frame, "step": last.current.get("step", 0) + 1},
            last.current,  # the last step's values: what ``delta`` compares with
            last.initial,
            dict(last.best),
            dict(last.best_frame),
            frame,
        )
        for name in self._watched_history:  # a new best on this very frame counts
            value = scope.current.get(name)
            if value is not None and value > scope.best[name]:
                scope.best[name], scope.best_frame[name] = value, frame
        for name, evaluate in self._watched_variables:
            value = checked(evaluate(scope), f"{self.profile.source}: variables.{name}", frame)
            scope.current[name] = value
            if name in scope.best and value > scope.best[name]:
                scope.best[name], scope.best_frame[name] = value, frame
        return scope

    def state(self) -> tuple[Any, ...]:
        """What the engine has seen of the episode so far, to :meth:`restore` (a rewind)."""
        return copy.deepcopy(
            (self.scope, self.pressing, self.term_totals, self.best_progress)
        )

    def restore(self, state: tuple[Any, ...]) -> None:
        self.scope, self.pressing, self.term_totals, self.best_progress = copy.deepcopy(state)

    def conditions(self) -> dict[str, bool]:
        """Each done condition, true or not, on the values of the last step."""
        return {name: bool(rule(self.scope)) for name, rule in self._done}

    def _pressing(self) -> tuple[str, ...]:
        return tuple(name for name, when in self._presses if when(self.scope))

    def progress(self) -> float | None:
        """The profile's progress measure now (None: the profile has none)."""
        return self._progress()

    def _progress(self) -> float | None:
        if self.profile.progress is None:
            return None
        return float(
            checked(
                self.profile.progress(self.scope),
                f"{self.profile.source}: progress",
                self.scope.frame,
            )
        )

    def _update(self, ram: Mapping[str, float], frame: int, step: int, resetting: bool) -> None:
        scope = self.scope
        if not resetting:
            scope.previous = scope.current
        scope.frame = frame
        scope.current = {**self.constants, **ram, "frame": frame, "step": step}
        for name in self._history.intersection(ram):
            self._remember(name, resetting)
        for name, evaluate in self._variables:
            scope.current[name] = checked(
                evaluate(scope), f"{self.profile.source}: variables.{name}", frame
            )
            self._remember(name, resetting)
        if resetting:
            scope.previous = dict(scope.current)
            scope.initial = dict(scope.current)

    def _remember(self, name: str, resetting: bool) -> None:
        """Keep previous/initial/best for names passed to history functions."""
        if name not in self._history:
            return
        scope, value = self.scope, self.scope.current[name]
        if resetting:
            scope.previous[name] = scope.initial[name] = value
            scope.best[name], scope.best_frame[name] = value, scope.frame
        elif value > scope.best[name]:
            scope.best[name], scope.best_frame[name] = value, scope.frame


def watched_names(profile: Profile) -> set[str]:
    """Every name the done rules read, directly or through derived variables."""
    expressions: list[Expression] = list(profile.done.values())
    names: set[str] = set()
    while expressions:
        expression = expressions.pop()
        for name in expression.names | expression.history:
            if name not in names:
                names.add(name)
                if name in profile.variables:
                    expressions.append(profile.variables[name])
    return names
