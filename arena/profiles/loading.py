"""Game profiles: one YAML file per game saying how the arena plays it.

A profile names the stable-retro integration, its states, the action set (named button
combos), frame skip, observation pipeline, time limit, and the reward and done rules the arena
computes itself from RAM variables (the integration's scenario.json is not used). The format
is documented in the README; :func:`load_profile` validates every key and reports the file, the
key path and the valid choices for anything wrong.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from arena.core.errors import ProfileError, UnknownNameError, did_you_mean
from arena.core.models import first_error
from arena.core.reading import MAX_NESTING_DEPTH, read_regular, read_regular_text, yaml_depth
from arena.profiles import schema
from arena.profiles.builds import Build, Fail, check_build, check_made_state
from arena.profiles.cheats import Poke, compile_cheats
from arena.profiles.expressions import Expression, compile_expression
from arena.profiles.probe_specs import Probe, load_probes
from arena.profiles.schema import (
    AutoPressModel,
    ObservationModel,
    ProfileModel,
    StateModel,
)
from arena.profiles.states import StateSpec, made_states
from arena.retro import integrations
from arena.retro.integrations import Integration

BUILTIN_NAMES = ("frame", "step")  # always defined: emulated frames and agent steps since reset
Rgb = tuple[int, int, int]
CONTROLLER_PREFIX = re.compile(r"^P([12]):(.+)$")


def split_button(entry: str) -> tuple[int | None, str]:
    """``"P1:LEFT"`` -> (0, "LEFT"); ``"LEFT"`` -> (None, "LEFT"): the player's own controller."""
    match = CONTROLLER_PREFIX.match(entry)
    return (int(match.group(1)) - 1, match.group(2)) if match else (None, entry)


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
    inputs: str = "screen"
    """``screen`` (the pipeline above), or inputs the profile offers (see arena.play.observers)."""

    def with_overrides(self, overrides: Mapping[str, Any]) -> ObservationSpec:
        """This spec with ``overrides`` (keyword arguments, a checkpoint's needs) applied,
        checked by the model a profile's ``observation:`` block is: the same messages, and a
        ``ValueError`` naming the key, before any emulator exists."""
        if not overrides:
            return self
        keys = list(ObservationModel.model_fields)
        for key in overrides:
            if key not in keys:
                raise ValueError(
                    f"unknown observation keyword {key!r}{did_you_mean(key, keys)}; "
                    f"valid: {', '.join(keys)}"
                )
        merged = {**dataclasses.asdict(self), **overrides}
        try:
            model = ObservationModel.model_validate(merged)
        except ValidationError as exc:
            where, problem, _ = first_error(exc)
            raise ValueError(f"{where}: {problem}") from None
        return observation_spec(model)


def observation_spec(model: ObservationModel) -> ObservationSpec:
    """The spec of a validated ``observation:`` block."""
    return ObservationSpec(
        grayscale=model.grayscale,
        crop=None if model.crop is None else tuple(model.crop),  # type: ignore[arg-type]
        resize=None if model.resize is None else tuple(model.resize),  # type: ignore[arg-type]
        frame_stack=model.frame_stack,
        max_pool=model.max_pool,
        inputs=model.inputs,
    )


@dataclass(frozen=True)
class RamVariable:
    """A RAM variable the profile adds to those of the integration's data.json."""

    address: int
    type: str


@dataclass(frozen=True)
class AutoPress:
    """Buttons the arena presses through the next agent step whenever ``when`` holds."""

    name: str
    when: Expression
    buttons: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """A validated game profile. Build it with :func:`load_profile`."""

    name: str
    source: str
    digest: str
    title: str
    game: str
    integration: Integration
    """The game's stable-retro integration, resolved once when the profile loaded."""
    rom: str
    states: Mapping[str, StateSpec]
    """The states it plays: those it declares, then those ``arena state`` made for its game."""
    left_out_states: Mapping[str, str]
    """States ``arena state`` made that it cannot play, with why (``arena info`` says so)."""
    default_state: str
    actions: Mapping[str, tuple[str, ...]]
    actions_p2: Mapping[str, tuple[str, ...]] | None
    """Player 2's buttons per action when they differ; ``P1:LEFT`` names controller 1's LEFT."""
    frame_skip: int
    max_frames: int | None
    observation: ObservationSpec
    inputs: Mapping[str, Mapping[str, Any]]
    """Inputs beyond the screen, by name: each its builder and parameters (arena.play.observers)."""
    ram: Mapping[str, RamVariable]
    constants: Mapping[str, float]
    variables: Mapping[str, Expression]
    rewards: tuple[Mapping[str, Expression], ...]
    """Reward terms per player: ``rewards[0]`` for player 1, ``rewards[1]`` for player 2."""
    done: Mapping[str, Expression]
    progress: Expression | None
    reference_score: float | None = None
    """A strong episode return (best known or human) that normalized scores map to 1."""
    shaping: tuple[Mapping[str, Expression], ...] = ()
    """Training-only reward terms per player (empty: none); see :class:`~arena.ArenaEnv`."""
    mirror_p2: bool = False
    """Show player 2 its screen flipped left to right, so both players see themselves alike."""
    swap_colors_p2: tuple[tuple[Rgb, Rgb], ...] = ()
    """Pairs of RGB colors swapped in player 2's screen, so it sees itself in player 1's."""
    auto_press: tuple[AutoPress, ...] = ()
    """Presses the arena makes itself (Pong's serve), in the order the profile lists them."""
    probes: tuple[Probe, ...] = ()
    """Scripted checks of the rules on the real game (``arena probe``)."""
    cheats: Mapping[str, str] = field(default_factory=dict)
    """Cheat codes for the core, by name; off unless switched on (see arena.profiles.cheats)."""
    pokes: Mapping[str, Poke] = field(default_factory=dict)
    """RAM writes, by name; off unless switched on."""
    build: Build | None = None
    """For a game stable-retro lacks: how ``arena roms fetch`` builds its integration."""

    def with_time_limit(self, max_frames: int | None) -> Profile:
        """This profile with another time limit (None keeps the profile's own); one that is
        not a whole number from 1 to ``MAX_FRAMES`` raises ``ValueError``."""
        if max_frames is None:
            return self
        if (
            isinstance(max_frames, bool)
            or not isinstance(max_frames, int)
            or not (1 <= max_frames <= schema.MAX_FRAMES)
        ):
            raise ValueError(
                f"max_frames must be a whole number from 1 to {schema.MAX_FRAMES:,} (10 hours "
                f"at 60 frames a second), got {max_frames!r}"
            )
        return replace(self, max_frames=max_frames)

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
            raise UnknownNameError(f"{self.name} state", name, self.states)
        return self.states[name]


# -- loading -------------------------------------------------------------------------------


MAX_YAML_BYTES = 1 << 20
"""A profile or suite file of at most 1 MiB (the largest built-in one is about 5 kB)."""
MAX_YAML_VALUES = 100_000
"""Values a file may hold once its aliases (``*name``) are expanded: a built-in profile has a
few hundred; a "billion laughs" that expands a small file exponentially is refused."""


def _expanded_size(root: yaml.Node | None) -> int:
    """How many values ``root`` stands for with every alias expanded, counted without
    expanding (an alias is the same node object again, so each node is counted once)."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root] if root is not None else []
    while stack:  # depth-first, children before parents, without recursion
        node = stack.pop()
        if id(node) in sizes:
            continue
        sizes[id(node)] = -1
        order.append(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
    for node in reversed(order):
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        sizes[id(node)] = 1 + sum(max(sizes[id(c)], 0) for c in children)
        if sizes[id(node)] > MAX_YAML_VALUES:
            return sizes[id(node)]
    return sizes[id(root)] if root is not None else 0


def read_yaml(path: Path, what: str = "YAML") -> Any:
    """Safely load a YAML file; Python tags, syntax errors, unreadable files, files over
    MAX_YAML_BYTES and alias bombs raise before anything large is built."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ProfileError(
                source, "", f"a {what} of {size:,} bytes; the limit is {MAX_YAML_BYTES:,}"
            )
        text = read_regular_text(path, MAX_YAML_BYTES)
    except OSError as exc:
        raise ProfileError(source, "", f"cannot read {what}: {exc.strerror}") from None
    try:
        if yaml_depth(text) > MAX_NESTING_DEPTH:
            raise ProfileError(source, "", f"nested more than {MAX_NESTING_DEPTH} levels deep")
        values = _expanded_size(yaml.compose(text, yaml.SafeLoader))
        if values > MAX_YAML_VALUES:
            raise ProfileError(
                source,
                "",
                f"expands to over {MAX_YAML_VALUES:,} values (YAML aliases repeating each other)",
            )
        return yaml.safe_load(text)
    except RecursionError:  # block nesting (indentation, "- - -") deeper than Python recurses
        raise ProfileError(
            source, "", f"nested more than {MAX_NESTING_DEPTH} levels deep"
        ) from None
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
    model = schema.validate(ProfileModel, raw, str(path))
    digest = hashlib.sha256(read_regular(path, MAX_YAML_BYTES)).hexdigest()
    return _Checker(str(path)).profile(model, name or path.stem, digest)


class _Checker:
    """The second pass: what needs the integration (states, buttons, RAM names) and the
    expressions. The model has the right shape already; every error names the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str, hint: str | None = None) -> ProfileError:
        return ProfileError(self.source, key, problem, hint)

    def profile(self, raw: ProfileModel, name: str, digest: str) -> Profile:
        game = raw.game
        build = None if raw.build is None else check_build(game, raw.rom, raw.build, self.fail)
        try:
            self.integration = integrations.resolve(game)
        except UnknownNameError as exc:
            if build is None:
                raise self.fail("game", exc.message) from None
            self.integration = integrations.to_build(game, (build.state,))
        declared = self.states(game, raw.states)
        default_state = raw.default_state or next(iter(declared))
        if default_state not in declared:
            raise self.fail(
                "default_state",
                f"{default_state!r} is not among 'states'{did_you_mean(default_state, declared)}",
            )
        ram = {key: RamVariable(v.address, v.type) for key, v in raw.ram.items()}
        constants = dict(raw.constants)
        known = self.known_names(game, ram, constants, declared)
        variables: dict[str, Expression] = {}
        for key, source in raw.variables.items():
            if key in known:
                raise self.fail(
                    f"variables.{key}", f"{key!r} already names a RAM variable or constant"
                )
            variables[key] = self.expression(source, known, f"variables.{key}")
            known.add(key)  # later variables may use earlier ones
        rewards = [self.terms(raw.reward, known, "reward")]
        if raw.reward_p2 is not None:
            rewards.append(self.terms(raw.reward_p2, known, "reward_p2"))
        elif any(s.players == 2 for s in declared.values()):
            raise self.fail(
                "reward_p2", "missing: a state is for 2 players, so player 2 needs rewards"
            )
        given = (raw.shaping is not None, raw.shaping_p2 is not None)
        keys = shaping_keys(*given, two_players=len(rewards) == 2, fail=self.fail)
        shaping = tuple(self.terms(getattr(raw, key), known, key) for key in keys)
        # States `arena state` made, beside the declared ones (never in place of one).
        made, left_out = made_states(game, declared, two_players=len(rewards) == 2)
        states = {**declared, **made}
        actions = self.actions(game, raw.actions, "actions")
        actions_p2 = None
        if raw.actions_p2 is not None:
            actions_p2 = self.actions(game, raw.actions_p2, "actions_p2")
            if list(actions_p2) != list(actions):
                raise self.fail(
                    "actions_p2",
                    f"must name the same actions as 'actions', in order: {', '.join(actions)}",
                )
        done = self.terms(raw.done, known, "done")
        cheats, pokes = compile_cheats(
            integrations.system_of(game), raw.cheats, raw.pokes, self.fail
        )
        self.cheat_names = [*cheats, *pokes]
        return Profile(
            name=name,
            source=self.source,
            digest=digest,
            title=raw.title or name,
            game=game,
            integration=self.integration,
            rom=raw.rom,
            states=states,
            left_out_states=left_out,
            default_state=default_state,
            actions=actions,
            actions_p2=actions_p2,
            frame_skip=raw.frame_skip,
            max_frames=raw.max_frames,
            observation=observation_spec(raw.observation),
            inputs={
                name: {"builder": spec.builder, **(spec.model_extra or {})}
                for name, spec in raw.inputs.items()
            },
            ram=ram,
            constants=constants,
            variables=variables,
            rewards=tuple(rewards),
            shaping=shaping,
            done=done,
            auto_press=self.auto_press(game, raw.auto_press, known, states),
            probes=load_probes(
                raw.probes,
                states,
                default_state,
                actions,
                rewards,
                done,
                [*cheats, *pokes],
                raw.frame_skip,
                self.fail,
            ),
            progress=None
            if raw.progress is None
            else self.expression(raw.progress, known, "progress"),
            mirror_p2=raw.mirror_p2,
            swap_colors_p2=tuple(raw.swap_colors_p2),
            reference_score=raw.reference_score,
            cheats=cheats,
            pokes=pokes,
            build=build,
        )

    def states(self, game: str, raw: Mapping[str, StateModel | None]) -> dict[str, StateSpec]:
        available = list(self.integration.states)
        states = {}
        for name, spec in raw.items():
            spec = spec or StateModel()
            if spec.start is not None:
                check_made_state(game, name, spec, self.fail)
            elif name not in available:
                raise self.fail(
                    f"states.{name}",
                    f"{game} has no state {name!r}{did_you_mean(name, available)}",
                    f"valid: {', '.join(available)}",
                )
            start = None if spec.start is None else tuple(tuple(e) for e in spec.start)
            states[name] = StateSpec(name, spec.players, dict(spec.constants), start=start)
        state_keys = {key for s in states.values() for key in s.constants}
        for state in states.values():
            if missing := state_keys - set(state.constants):
                raise self.fail(
                    f"states.{state.name}.constants",
                    f"missing {', '.join(sorted(missing))} (other states define it)",
                )
        return states

    def actions(
        self, game: str, raw: Mapping[str, list[str] | None], key: str
    ) -> dict[str, tuple[str, ...]]:
        actions: dict[str, tuple[str, ...]] = {}
        for name, combo in raw.items():
            path = f"{key}.{name}"
            for entry in combo or []:
                controller, _ = self.button(game, entry, path)
                if controller is not None and key == "actions":
                    raise self.fail(path, f"{entry!r}: only actions_p2 may name a controller")
            actions[name] = tuple(combo or ())
        return actions

    def auto_press(
        self,
        game: str,
        raw: Mapping[str, AutoPressModel],
        known: set[str],
        states: Mapping[str, StateSpec],
    ) -> tuple[AutoPress, ...]:
        """Checked presses; a button without ``P1:``/``P2:`` is on controller 1."""
        controllers = max(s.players for s in states.values())
        presses = []
        for name, press in raw.items():
            path = f"auto_press.{name}"
            for entry in press.buttons:
                controller, _ = self.button(game, entry, f"{path}.buttons")
                if controller is not None and controller >= controllers:
                    raise self.fail(
                        f"{path}.buttons", f"{entry!r}: the states have {controllers} controller(s)"
                    )
            when = self.expression(press.when, known, f"{path}.when")
            presses.append(AutoPress(name, when, tuple(press.buttons)))
        return tuple(presses)

    def button(self, game: str, entry: str, path: str) -> tuple[int | None, str]:
        """``entry`` split into (controller, button), the button checked against the game's.

        Buttons a .bk2 cannot store (unnamed slots, the Atari console's RESET) would break
        exact replays, so no action or auto press may press them."""
        controller, button = split_button(entry)
        valid = [b for b in self.integration.buttons if b and b != "RESET"]
        if button not in valid:
            raise self.fail(
                path,
                f"unknown button {button!r}{did_you_mean(button, valid)}",
                f"buttons of {self.integration.system}: {', '.join(valid)}",
            )
        return controller, button

    def known_names(
        self,
        game: str,
        ram: Mapping[str, Any],
        constants: Mapping[str, float],
        states: Mapping[str, StateSpec],
    ) -> set[str]:
        known = set(self.integration.ram) | set(ram) | set(BUILTIN_NAMES)
        for group, names in (
            ("constants", constants),
            ("states", next(iter(states.values())).constants),
        ):
            for name in names:
                if name in known:
                    raise self.fail(f"{group}.{name}", f"{name!r} already names a RAM variable")
                known.add(name)
        return known

    def terms(
        self, raw: Mapping[str, str | int | float], known: set[str], path: str
    ) -> dict[str, Expression]:
        return {key: self.expression(value, known, f"{path}.{key}") for key, value in raw.items()}

    def expression(self, source: str | int | float, known: set[str], path: str) -> Expression:
        return compile_expression(str(source), known, f"{self.source}: {path}")


# -- shaping -----------------------------------------------------------------------------


def shaping_keys(has_p1: bool, has_p2: bool, two_players: bool, fail: Fail) -> tuple[str, ...]:
    """Which training-only reward terms (``shaping:``, ``shaping_p2:``) to compile, in player
    order: none, ``shaping``, or both; player 2's exactly when player 2 has rewards
    (``reward_p2``) and player 1 has shaping. ``arena train`` adds them to each step's reward;
    nothing that keeps a score counts them (see :class:`~arena.play.env.ArenaEnv`)."""
    if not has_p1:
        if has_p2:
            raise fail("shaping_p2", "given without 'shaping' (player 1's terms)")
        return ()
    if has_p2 and not two_players:
        raise fail("shaping_p2", "given without 'reward_p2': there is no player 2")
    if two_players and not has_p2:
        raise fail(
            "shaping_p2", "missing: player 2 has rewards (reward_p2), so it needs shaping too"
        )
    return ("shaping", "shaping_p2") if two_players else ("shaping",)
