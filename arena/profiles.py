"""Game profiles: one YAML file per game saying how the arena plays it.

A profile names the stable-retro integration, its states, the action set (named button
combos), frame skip, observation pipeline, time limit, and the reward and done rules the arena
computes itself from RAM variables (the integration's scenario.json is not used). The format
is documented in the README; :func:`load_profile` validates every key and reports the file, the
key path and the valid choices for anything wrong.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arena import integrations
from arena.errors import ProfileError, UnknownNameError, did_you_mean
from arena.expressions import Expression, compile_expression

ROM_SOURCES = ("stable-retro", "ale-py", "gym-super-mario-bros", "user")
BUILTIN_NAMES = ("frame", "step")  # always defined: emulated frames and agent steps since reset
RAM_TYPE = re.compile(r"^[|<>=][uidn]\d+$")
COMPARISON = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
Comparison = tuple[str, float]
"""A probe's expectation of a number: (operator, reference), e.g. (">", 0.0)."""
CONTROLLER_PREFIX = re.compile(r"^P([12]):(.+)$")


def split_button(entry: str) -> tuple[int | None, str]:
    """``"P1:LEFT"`` -> (0, "LEFT"); ``"LEFT"`` -> (None, "LEFT"): the player's own controller."""
    match = CONTROLLER_PREFIX.match(entry)
    return (int(match.group(1)) - 1, match.group(2)) if match else (None, entry)


@dataclass(frozen=True)
class StateSpec:
    """One save state: how many players it is for and the constants the rules read there."""

    name: str
    players: int = 1
    constants: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ObservationSpec:
    """How the screen becomes an observation. Defaults are the usual Atari-PPO pipeline."""

    grayscale: bool = True
    crop: tuple[int, int, int, int] | None = None
    """Pixels cut from the (top, bottom, left, right) edges, before resizing."""
    resize: tuple[int, int] | None = (84, 84)
    """(height, width) after resizing, or None to keep the native size."""
    frame_stack: int = 4
    max_pool: bool = True
    """Max over the last two emulated frames of each agent step (removes sprite flicker)."""


@dataclass(frozen=True)
class RamVariable:
    """A RAM variable the profile adds to those of the integration's data.json."""

    address: int
    type: str


@dataclass(frozen=True)
class Probe:
    """A scripted input sequence and what must follow on the real game (see arena.probes)."""

    name: str
    state: str
    inputs: tuple[tuple[tuple[int, ...], int], ...]
    """(action index per player, agent steps) pairs, played in order."""
    repeat: bool = True
    """Loop the inputs until the episode ends."""
    max_frames: int | None = None
    terms: Mapping[str, Comparison] = field(default_factory=dict)
    """Episode totals of reward terms (``p2.NAME`` for player 2) and what they must satisfy."""
    done: str | None = None
    """The done condition (or ``time_limit``) that must end the episode."""
    before_frame: int | None = None
    progress: Comparison | None = None


@dataclass(frozen=True)
class Profile:
    """A validated game profile. Build it with :func:`load_profile`."""

    name: str
    source: str
    digest: str
    title: str
    game: str
    rom: str
    states: Mapping[str, StateSpec]
    default_state: str
    actions: Mapping[str, tuple[str, ...]]
    actions_p2: Mapping[str, tuple[str, ...]] | None
    """Player 2's buttons per action when they differ; ``P1:LEFT`` names controller 1's LEFT."""
    frame_skip: int
    max_frames: int | None
    observation: ObservationSpec
    ram: Mapping[str, RamVariable]
    constants: Mapping[str, float]
    variables: Mapping[str, Expression]
    rewards: tuple[Mapping[str, Expression], ...]
    """Reward terms per player: ``rewards[0]`` for player 1, ``rewards[1]`` for player 2."""
    done: Mapping[str, Expression]
    progress: Expression | None
    reference_score: float | None = None
    """A strong episode return (best known or human) that normalized scores map to 1."""
    mirror_p2: bool = False
    """Show player 2 its screen flipped left to right, so both players see themselves alike."""
    probes: tuple[Probe, ...] = ()
    """Scripted checks of the rules on the real game (``arena probe``)."""

    @property
    def action_names(self) -> list[str]:
        return list(self.actions)

    def player_actions(self, player: int) -> Mapping[str, tuple[str, ...]]:
        """The buttons each action presses for ``player`` (0 or 1)."""
        return self.actions_p2 if player == 1 and self.actions_p2 else self.actions

    @property
    def max_players(self) -> int:
        return max(s.players for s in self.states.values())

    def state(self, name: str | None) -> StateSpec:
        """The state called ``name`` (the default when None); unknown names raise."""
        name = name or self.default_state
        if name not in self.states:
            raise UnknownNameError(f"state of profile {self.name!r}", name, self.states)
        return self.states[name]


# -- loading -------------------------------------------------------------------------------

_TOP_KEYS = {
    "title",
    "game",
    "rom",
    "default_state",
    "states",
    "actions",
    "frame_skip",
    "max_frames",
    "observation",
    "ram",
    "constants",
    "variables",
    "reward",
    "reward_p2",
    "done",
    "progress",
    "actions_p2",
    "reference_score",
    "mirror_p2",
    "probes",
}
_REQUIRED = ("game", "states", "actions", "reward", "done")


def read_yaml(path: Path, what: str = "YAML") -> Any:
    """Safely load a YAML file; Python tags, syntax errors and unreadable files raise."""
    source = str(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ProfileError(source, "", f"cannot read {what}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else ""
        raise ProfileError(
            source,
            where,
            f"{exc.problem} (only plain YAML is read; tags such as !!python run no code)",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(source, where, f"malformed YAML: {problem}") from None


def load_profile(path: Path | str, name: str | None = None) -> Profile:
    """Read, validate and compile the profile at ``path`` (its name defaults to the stem)."""
    path = Path(path)
    raw = read_yaml(path, "profile")
    checker = _Checker(str(path))
    if not isinstance(raw, dict):
        raise ProfileError(str(path), "", "a profile must be a mapping of keys to values")
    return checker.profile(raw, name or path.stem, hashlib.sha256(path.read_bytes()).hexdigest())


class _Checker:
    """Validates one profile's raw mapping; every error names the file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str, hint: str | None = None) -> ProfileError:
        return ProfileError(self.source, key, problem, hint)

    def keys(self, raw: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in raw:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                raise self.fail(
                    where,
                    f"unknown key {key!r}{did_you_mean(key, allowed)}",
                    f"valid keys: {', '.join(sorted(allowed))}",
                )

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__} {value!r}")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a non-empty string, got {value!r}")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value!r}")
        return value

    def positive_int(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(path, f"expected a positive whole number, got {value!r}")
        return value

    def number(self, value: Any, path: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(path, f"expected a finite number, got {value!r}")
        return value

    def int_list(self, value: Any, path: str, length: int, minimum: int) -> tuple[int, ...]:
        ok = isinstance(value, list) and len(value) == length
        if ok and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value
        ):
            return tuple(value)
        raise self.fail(
            path, f"expected a list of {length} whole numbers >= {minimum}, got {value!r}"
        )

    # -- sections --------------------------------------------------------------------------

    def profile(self, raw: dict[str, Any], name: str, digest: str) -> Profile:
        self.keys(raw, _TOP_KEYS, "")
        for key in _REQUIRED:
            if key not in raw:
                raise self.fail(key, "missing required key")
        game = self.text(raw["game"], "game")
        try:
            integrations.require_game(game)
        except UnknownNameError as exc:
            raise self.fail("game", exc.message) from None
        rom = raw.get("rom", "user")
        if rom not in ROM_SOURCES:
            raise self.fail(
                "rom",
                f"unknown ROM source {rom!r}{did_you_mean(rom, ROM_SOURCES)}",
                f"valid: {', '.join(ROM_SOURCES)}",
            )
        states = self.states(game, raw["states"])
        default_state = raw.get("default_state", next(iter(states)))
        if default_state not in states:
            raise self.fail(
                "default_state",
                f"{default_state!r} is not among 'states'{did_you_mean(default_state, states)}",
            )
        ram = self.ram(raw.get("ram"))
        constants = {
            key: self.number(value, f"constants.{key}")
            for key, value in self.mapping(raw.get("constants"), "constants").items()
        }
        known = self.known_names(game, ram, constants, states)
        variables: dict[str, Expression] = {}
        for key, source in self.mapping(raw.get("variables"), "variables").items():
            if key in known:
                raise self.fail(
                    f"variables.{key}", f"{key!r} already names a RAM variable or constant"
                )
            variables[key] = self.expression(source, known, f"variables.{key}")
            known.add(key)  # later variables may use earlier ones
        rewards = [self.terms(raw["reward"], known, "reward")]
        if "reward_p2" in raw:
            rewards.append(self.terms(raw["reward_p2"], known, "reward_p2"))
        elif any(s.players == 2 for s in states.values()):
            raise self.fail(
                "reward_p2", "missing: a state is for 2 players, so player 2 needs rewards"
            )
        progress = raw.get("progress")
        actions = self.actions(game, raw["actions"], "actions")
        actions_p2 = None
        if "actions_p2" in raw:
            actions_p2 = self.actions(game, raw["actions_p2"], "actions_p2")
            if list(actions_p2) != list(actions):
                raise self.fail(
                    "actions_p2",
                    f"must name the same actions as 'actions', in order: {', '.join(actions)}",
                )
        done = self.terms(raw["done"], known, "done")
        probes = self.probes(raw.get("probes"), states, default_state, actions, rewards, done)
        return Profile(
            name=name,
            source=self.source,
            digest=digest,
            title=self.text(raw.get("title", name), "title"),
            game=game,
            rom=rom,
            states=states,
            default_state=default_state,
            actions=actions,
            actions_p2=actions_p2,
            frame_skip=self.positive_int(raw.get("frame_skip", 4), "frame_skip"),
            max_frames=None
            if raw.get("max_frames") is None
            else self.positive_int(raw["max_frames"], "max_frames"),
            observation=self.observation(raw.get("observation")),
            ram=ram,
            constants=constants,
            variables=variables,
            rewards=tuple(rewards),
            done=done,
            probes=probes,
            progress=None if progress is None else self.expression(progress, known, "progress"),
            mirror_p2=self.boolean(raw.get("mirror_p2", False), "mirror_p2"),
            reference_score=None
            if raw.get("reference_score") is None
            else self.number(raw["reference_score"], "reference_score"),
        )

    def states(self, game: str, raw: Any) -> dict[str, StateSpec]:
        if isinstance(raw, list):
            raw = {name: None for name in raw}
        entries = self.mapping(raw, "states")
        if not entries:
            raise self.fail("states", "at least one state is required")
        available = integrations.list_states(game)
        states = {}
        for name, spec in entries.items():
            path = f"states.{name}"
            if name not in available:
                raise self.fail(
                    path,
                    f"{game} has no state {name!r}{did_you_mean(name, available)}",
                    f"valid: {', '.join(available)}",
                )
            spec = self.mapping(spec, path)
            self.keys(spec, {"players", "constants"}, path)
            players = self.positive_int(spec.get("players", 1), f"{path}.players")
            if players > 2:
                raise self.fail(
                    f"{path}.players", f"at most 2 players are supported, got {players}"
                )
            constants = {
                key: self.number(value, f"{path}.constants.{key}")
                for key, value in self.mapping(spec.get("constants"), f"{path}.constants").items()
            }
            states[name] = StateSpec(name, players, constants)
        state_keys = {key for s in states.values() for key in s.constants}
        for state in states.values():
            if missing := state_keys - set(state.constants):
                raise self.fail(
                    f"states.{state.name}.constants",
                    f"missing {', '.join(sorted(missing))} (other states define it)",
                )
        return states

    def actions(self, game: str, raw: Any, key: str) -> dict[str, tuple[str, ...]]:
        entries = self.mapping(raw, key)
        if not entries:
            raise self.fail(key, "at least one action is required")
        # Buttons a .bk2 cannot store (unnamed slots, the Atari console's RESET) would break
        # exact replays, so actions may not press them.
        valid = [b for b in integrations.buttons(game) if b and b != "RESET"]
        actions: dict[str, tuple[str, ...]] = {}
        for name, combo in entries.items():
            path = f"{key}.{name}"
            if combo is None:
                combo = []
            if not isinstance(combo, list):
                raise self.fail(path, f"expected a list of buttons, got {combo!r}")
            for entry in combo:
                controller, button = split_button(str(entry))
                if controller is not None and key == "actions":
                    raise self.fail(path, f"{entry!r}: only actions_p2 may name a controller")
                if button not in valid:
                    raise self.fail(
                        path,
                        f"unknown button {button!r}{did_you_mean(str(button), valid)}",
                        f"buttons of {integrations.system_of(game)}: {', '.join(valid)}",
                    )
            actions[str(name)] = tuple(combo)
        return actions

    def observation(self, raw: Any) -> ObservationSpec:
        entries = self.mapping(raw, "observation")
        self.keys(
            entries, {"grayscale", "crop", "resize", "frame_stack", "max_pool"}, "observation"
        )
        default = ObservationSpec()
        crop = entries.get("crop", default.crop)
        resize = entries.get("resize", default.resize)
        return ObservationSpec(
            grayscale=self.boolean(
                entries.get("grayscale", default.grayscale), "observation.grayscale"
            ),
            crop=None if crop is None else self.int_list(crop, "observation.crop", 4, 0),  # type: ignore[arg-type]
            resize=None if resize is None else self.int_list(resize, "observation.resize", 2, 1),  # type: ignore[arg-type]
            frame_stack=self.positive_int(
                entries.get("frame_stack", default.frame_stack), "observation.frame_stack"
            ),
            max_pool=self.boolean(
                entries.get("max_pool", default.max_pool), "observation.max_pool"
            ),
        )

    def ram(self, raw: Any) -> dict[str, RamVariable]:
        variables = {}
        for name, spec in self.mapping(raw, "ram").items():
            path = f"ram.{name}"
            spec = self.mapping(spec, path)
            self.keys(spec, {"address", "type"}, path)
            address = spec.get("address")
            if isinstance(address, bool) or not isinstance(address, int) or address < 0:
                raise self.fail(f"{path}.address", f"expected an address >= 0, got {address!r}")
            kind = spec.get("type")
            if not isinstance(kind, str) or not RAM_TYPE.match(kind):
                raise self.fail(
                    f"{path}.type",
                    f"expected a stable-retro type such as '|u1' or '>u2', got {kind!r}",
                )
            variables[name] = RamVariable(address, kind)
        return variables

    def known_names(
        self,
        game: str,
        ram: Mapping[str, Any],
        constants: Mapping[str, float],
        states: Mapping[str, StateSpec],
    ) -> set[str]:
        known = set(integrations.ram_variables(game)) | set(ram) | set(BUILTIN_NAMES)
        for group, names in (
            ("constants", constants),
            ("states", next(iter(states.values())).constants),
        ):
            for name in names:
                if name in known:
                    raise self.fail(f"{group}.{name}", f"{name!r} already names a RAM variable")
                known.add(name)
        return known

    def terms(self, raw: Any, known: set[str], path: str) -> dict[str, Expression]:
        entries = self.mapping(raw, path)
        if not entries:
            raise self.fail(path, "at least one term is required")
        return {
            str(key): self.expression(value, known, f"{path}.{key}")
            for key, value in entries.items()
        }

    def comparison(self, value: Any, path: str) -> Comparison:
        match = COMPARISON.match(value) if isinstance(value, str) else None
        if not match:
            raise self.fail(path, f"expected a comparison such as '> 0' or '>= 300', got {value!r}")
        return match.group(1), float(match.group(2))

    def probes(
        self,
        raw: Any,
        states: Mapping[str, StateSpec],
        default_state: str,
        actions: Mapping[str, Any],
        rewards: list[dict[str, Expression]],
        done: Mapping[str, Expression],
    ) -> tuple[Probe, ...]:
        terms = [
            name if player == 0 else f"p{player + 1}.{name}"
            for player, group in enumerate(rewards)
            for name in group
        ]
        conditions = [*done, "time_limit"]
        probes = []
        for name, spec in self.mapping(raw, "probes").items():
            path = f"probes.{name}"
            spec = self.mapping(spec, path)
            self.keys(spec, {"state", "inputs", "repeat", "max_frames", "expect"}, path)
            state = spec.get("state", default_state)
            if state not in states:
                raise self.fail(
                    f"{path}.state", f"{state!r} is not among 'states'{did_you_mean(state, states)}"
                )
            players = states[state].players
            inputs = spec.get("inputs")
            if not isinstance(inputs, list) or not inputs:
                raise self.fail(f"{path}.inputs", "expected a non-empty list of [action, steps]")
            steps = []
            for index, entry in enumerate(inputs):
                where = f"{path}.inputs[{index}]"
                if not isinstance(entry, list) or len(entry) != players + 1:
                    shape = "[action, steps]" if players == 1 else "[p1_action, p2_action, steps]"
                    raise self.fail(where, f"expected {shape}, got {entry!r}")
                *names, count = entry
                for action in names:
                    if action not in actions:
                        raise self.fail(
                            where,
                            f"unknown action {action!r}{did_you_mean(str(action), actions)}",
                            f"valid: {', '.join(actions)}",
                        )
                indices = tuple(list(actions).index(a) for a in names)
                steps.append((indices, self.positive_int(count, where + " steps")))
            expect = self.mapping(spec.get("expect"), f"{path}.expect")
            self.keys(expect, {"terms", "done", "before_frame", "progress"}, f"{path}.expect")
            if not expect:
                raise self.fail(f"{path}.expect", "a probe must expect something")
            expected_terms = {}
            wanted = self.mapping(expect.get("terms"), f"{path}.expect.terms")
            for term, comparison in wanted.items():
                if term not in terms:
                    raise self.fail(
                        f"{path}.expect.terms.{term}",
                        f"unknown reward term {term!r}{did_you_mean(term, terms)}",
                        f"valid: {', '.join(terms)}",
                    )
                expected_terms[term] = self.comparison(comparison, f"{path}.expect.terms.{term}")
            condition = expect.get("done")
            if condition is not None and condition not in conditions:
                raise self.fail(
                    f"{path}.expect.done",
                    f"unknown done condition {condition!r}"
                    + did_you_mean(str(condition), conditions),
                    f"valid: {', '.join(conditions)}",
                )
            probes.append(
                Probe(
                    name=str(name),
                    state=state,
                    inputs=tuple(steps),
                    repeat=self.boolean(spec.get("repeat", True), f"{path}.repeat"),
                    max_frames=None
                    if spec.get("max_frames") is None
                    else self.positive_int(spec["max_frames"], f"{path}.max_frames"),
                    terms=expected_terms,
                    done=condition,
                    before_frame=None
                    if expect.get("before_frame") is None
                    else self.positive_int(expect["before_frame"], f"{path}.expect.before_frame"),
                    progress=None
                    if expect.get("progress") is None
                    else self.comparison(expect["progress"], f"{path}.expect.progress"),
                )
            )
        return tuple(probes)

    def expression(self, source: Any, known: set[str], path: str) -> Expression:
        if isinstance(source, bool) or not isinstance(source, str | int | float):
            raise self.fail(path, f"expected an expression, got {source!r}")
        if isinstance(source, float) and not math.isfinite(source):
            raise self.fail(path, f"expected a finite number, got {source!r}")
        return compile_expression(str(source), known, f"{self.source}: {path}")
