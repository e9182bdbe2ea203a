"""``arena integrate ROM --name NAME``: a stable-retro integration, in the arena's store, for a
ROM stable-retro lacks, and a profile skeleton to write its rules in.

The integration folder (``NAME-SYSTEM-v0``) holds what stable-retro reads: the ROM as
``rom.EXT``, ``rom.sha``, ``data.json`` (the RAM variables the author names, each checked inside
the system's memory), ``metadata.json``, ``scenario.json`` (no rules: the profile holds them),
and a start state played from power-on by a script of the system's buttons (``--start``: e.g.
``[["RESET", 3], ["noop", 15]]`` presses the Atari console's RESET, which starts most 2600
games). It is built in a hidden folder beside its place and renamed there whole, so a failure
leaves nothing half-made; a name stable-retro integrates already is refused.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import keyword
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import stable_retro
import stable_retro.data

from arena.core.errors import ProfileError, UsageError
from arena.core.reading import read_regular
from arena.emulation.emulator import check_layout
from arena.emulation.state_making import read_script
from arena.profiles.expressions import FUNCTION_NAMES
from arena.profiles.loading import BUILTIN_NAMES, Profile
from arena.profiles.schema import RAM_TYPE
from arena.retro import integrations, states
from arena.retro.roms import MAX_ROM_BYTES
from arena.retro.state_files import comparable

ATARI_SIZES = {2048, 4096, 8192, 12288, 16384, 32768, 65536}
"""The sizes of Atari 2600 cartridges (bank-switched ones included)."""
FRAME_SKIP = 4
"""The skeleton's frames per agent step; a ``--start`` step is as many frames."""
NOOP = "noop"
CONSOLE_SWITCHES = {"Atari2600": ("RESET", "SELECT")}
"""Buttons of the core that are the console's switches, not a player's controls."""
BUILD_RECORD = "arena-build.json"
"""In a folder ``arena roms fetch`` built: the profile and the start script it was built by."""


StartSteps = list[tuple[tuple[tuple[str, ...], ...], int]]
"""Each step of a start script: every player's buttons, and how many frames they are held."""


@dataclass(frozen=True)
class Variable:
    name: str
    address: int
    type: str


def system_of_rom(path: Path, data: bytes, system: str | None) -> str:
    """The system ``data`` is for: ``system`` when given, else read from the file."""
    if system is not None:
        if system not in stable_retro.data.EMU_INFO:
            raise UsageError(
                f"--system {system!r}: stable-retro has no core for it",
                f"its systems: {', '.join(sorted(stable_retro.data.EMU_INFO))}",
            )
        return system
    suffix = path.suffix.lower()
    if suffix == ".bin":  # Genesis and Atari 2600 both: the Genesis header tells
        if data[0x100:0x104] == b"SEGA":
            return "Genesis"
        if len(data) in ATARI_SIZES:
            return "Atari2600"
        raise UsageError(f"{path}: a .bin of {len(data):,} bytes is no Atari 2600 or Genesis ROM")
    found = {".gen": "Genesis", ".smd": "Genesis", ".smc": "Snes"}.get(suffix)
    found = found or stable_retro.data.EMU_EXTENSIONS.get(suffix)
    if found is None or found in ("FBNeo", "N64"):
        raise UsageError(
            f"{path}: stable-retro has no core for {suffix or 'files without an extension'}",
            "give the ROM its system's extension (.a26, .nes, .sfc, .md, .gb...), or --system",
        )
    if found == "Nes" and not data.startswith(b"NES\x1a"):
        raise UsageError(f"{path}: not an NES ROM (no iNES header)")
    if found == "Atari2600" and len(data) not in ATARI_SIZES:
        raise UsageError(f"{path}: {len(data):,} bytes is no Atari 2600 cartridge's size")
    return found


RESERVED_NAMES = frozenset({*FUNCTION_NAMES, *BUILTIN_NAMES})
"""Names a rule cannot give a RAM variable: its functions and its built-in values (keywords
such as ``if`` and ``None`` are refused too): the profile skeleton would not load."""


def check_game_name(name: str) -> str:
    """``name`` when it makes a game id (``NAME-SYSTEM-v0``); checked before anything is
    written, so a refused name leaves nothing (``a/b`` made a folder ``a`` once)."""
    states.check_name(name)
    if not name[0].isalpha() or "-" in name:
        raise UsageError(f"--name {name!r}: a game name starts with a letter and has no '-'")
    return name


def parse_variables(texts: Sequence[str]) -> list[Variable]:
    """``NAME=ADDRESS:TYPE`` texts (``score1=0x8D:|u1``)."""
    found = []
    for text in texts:
        name, sep, rest = text.partition("=")
        address, colon, kind = rest.partition(":")
        try:
            number = int(address, 0)
        except ValueError:
            number = -1
        if not sep or not colon or not name.isidentifier() or number < 0:
            raise UsageError(f"--var {text!r}: expected NAME=ADDRESS:TYPE, e.g. score1=0x8D:|u1")
        if keyword.iskeyword(name) or name in RESERVED_NAMES:
            raise UsageError(
                f"--var {text!r}: {name!r} is a word of the rules' language, not a free name",
                "choose another name, e.g. " + f"{name.lower()}_value",
            )
        if not RAM_TYPE.match(kind):
            raise UsageError(f"--var {text!r}: {kind!r} is not a stable-retro type ('|u1', '<u2')")
        found.append(Variable(name, number, kind))
    names = [v.name for v in found]
    if not found:
        raise UsageError("name at least one RAM variable (a score) with --var NAME=ADDRESS:TYPE",
                         "`arena ram search` finds them in a movie")  # fmt: skip
    if len(set(names)) != len(names):
        raise UsageError(f"--var: a name is given twice ({', '.join(names)})")
    return found


def parse_start(text: str, system: str, players: int) -> StartSteps:
    """``--start`` as (each player's buttons, frames) steps; buttons are the system's."""
    buttons = [b for b in stable_retro.get_system_info(system)["buttons"] if b]
    steps = []
    for index, (names, frames) in enumerate(read_script(text, "--start", players, FRAME_SKIP)):
        combos = []
        for name in names:
            combo = () if name == NOOP else tuple(name.split("+"))
            for part in combo:
                if part not in buttons:
                    raise UsageError(
                        f"--start[{index}]: {part!r} is no button of {system}",
                        f"buttons: {', '.join(buttons)}, or {NOOP}",
                    )
            combos.append(combo)
        steps.append((tuple(combos), frames))
    return steps


def integrate(
    rom_path: Path,
    name: str,
    variables: Sequence[Variable],
    start: str,
    players: int,
    system: str | None = None,
) -> tuple[str, Path]:
    """Build the integration; returns its id and folder."""
    check_game_name(name)
    try:
        data = read_regular(rom_path, MAX_ROM_BYTES)
    except OSError as exc:
        raise UsageError(f"{rom_path}: cannot read it as a ROM ({exc.strerror or exc})") from None
    if not data:
        raise UsageError(f"{rom_path}: an empty file is no ROM")
    system = system_of_rom(rom_path, data, system)
    game = f"{name}-{system}-v0"
    folder = integrations.rom_store() / game
    existing = integrations.integration_file(game, "data.json")
    if existing is not None and not existing.resolve().is_relative_to(
        integrations.rom_store().resolve()
    ):
        raise UsageError(f"stable-retro integrates {game} already", "choose another --name")
    if folder.exists():
        raise UsageError(f"{folder} exists", "choose another --name, or remove that folder")
    steps = parse_start(start, system, players)
    _build(game, system, data, variables, steps, players)
    return game, folder


def build_for_profile(profile: Profile, data: bytes) -> str:
    """Build (or rebuild) the integration ``profile.build`` describes from the ROM ``data``;
    returns what was done. Only the dump the profile was proved on is built."""
    build = profile.build
    if build is None:
        raise UsageError(f"profile {profile.name!r} has no build: block")
    sha1 = hashlib.sha1(data).hexdigest()
    if sha1 != build.sha1:
        raise UsageError(
            f"{build.file} has sha1 {sha1}, not {build.sha1} that profile {profile.name!r} "
            "was proved on; not built"
        )
    system = integrations.system_of(profile.game)
    variables = [Variable(name, v.address, v.type) for name, v in profile.ram.items()]
    steps = parse_start(json.dumps(build.start), system, build.players)
    record: dict[str, object] = {"profile": profile.name, "start": build.start}
    return _build(profile.game, system, data, variables, steps, build.players, record)


def _build(
    game: str,
    system: str,
    data: bytes,
    variables: Sequence[Variable],
    steps: StartSteps,
    players: int,
    record: dict[str, object] | None = None,
) -> str:
    """Write the integration folder whole: built beside its place, then renamed there. With a
    ``record`` of how it was built (a profile's build), a folder already there is kept when it
    was built alike, else swapped for the new one."""
    store = integrations.rom_store()
    folder = store / game
    extension = stable_retro.data.EMU_INFO[system]["ext"][0]
    sha1 = hashlib.sha1(data[16:] if system == "Nes" else data).hexdigest()
    state_name = "Start" if players == 1 else "Start.2P"
    building = store / f".{game}.{os.getpid()}.part"
    store.mkdir(parents=True, exist_ok=True)
    try:
        building.mkdir()
        (building / f"rom.{extension}").write_bytes(data)
        (building / "rom.sha").write_text(sha1 + "\n")
        info = {v.name: {"address": v.address, "type": v.type} for v in variables}
        (building / "data.json").write_text(json.dumps({"info": info}, indent=2) + "\n")
        (building / "metadata.json").write_text(
            json.dumps({"default_state": state_name}, indent=2) + "\n"
        )
        (building / "scenario.json").write_text(
            json.dumps({"done": {"variables": {}}, "reward": {"variables": {}}}, indent=2) + "\n"
        )
        state = _start_state(building / f"rom.{extension}", system, players, steps, variables)
        # mtime 0: the same build gives the same bytes, so a fetch run again changes nothing
        (building / f"{state_name}.state").write_bytes(gzip.compress(state, mtime=0))
        if record is not None:
            (building / BUILD_RECORD).write_text(json.dumps(record, indent=2) + "\n")
        done = "built"
        if record is not None and folder.is_dir():
            if _same_files(building, folder):
                shutil.rmtree(building)
                return "built already"
            for kept in folder.iterdir():  # states made or saved since: not the build's
                if not (building / kept.name).exists():
                    shutil.copy2(kept, building / kept.name)
            old = store / f".{game}.{os.getpid()}.old"
            os.replace(folder, old)
            os.replace(building, folder)
            shutil.rmtree(old, ignore_errors=True)
            done = "rebuilt"
        else:
            os.replace(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    integrations.use_rom_store()
    integrations.known_games.cache_clear()
    return done


def _same_files(one: Path, other: Path) -> bool:
    """Whether the build ``other`` holds the files of the build ``one`` alike (it may hold
    more: states made or saved since); save states compare as game states (the Atari core
    writes its heap addresses into them, which differ from process to process)."""
    names = sorted(p.name for p in one.iterdir())
    if not all((other / name).is_file() for name in names):
        return False
    for name in names:
        mine, theirs = (one / name).read_bytes(), (other / name).read_bytes()
        if name.endswith(".state"):
            mine, theirs = (comparable(gzip.decompress(d)) for d in (mine, theirs))
        if mine != theirs:
            return False
    return True


def _start_state(
    rom: Path,
    system: str,
    players: int,
    steps: Sequence[tuple[tuple[tuple[str, ...], ...], int]],
    variables: Sequence[Variable],
) -> bytes:
    """Power on the ROM, check the variables lie in memory, play ``steps``; the state."""
    try:
        core = stable_retro.RetroEmulator(str(rom))
    except RuntimeError:
        raise UsageError(f"{rom.name}: the {system} core cannot load this file as a ROM") from None
    try:
        game_data = stable_retro.data.GameData()
        core.configure_data(game_data)
        layout = {v.name: (v.address, v.type) for v in variables}
        try:
            check_layout(layout, game_data.memory.blocks, "--var", layout, key="var")
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        buttons = stable_retro.get_system_info(system)["buttons"]
        for combos, frames in steps:
            masks = []
            for player in range(players):
                mask = np.zeros(len(buttons), np.uint8)
                for button in combos[player]:
                    mask[buttons.index(button)] = 1
                masks.append(mask)
            for _ in range(frames):
                for player, mask in enumerate(masks):
                    core.set_button_mask(mask, player)
                core.step()
        return bytes(core.get_state())
    finally:
        del core
        gc.collect()  # the process's one emulator, freed for the next


def skeleton(game: str, system: str, players: int, variables: Sequence[Variable]) -> str:
    """A profile for ``game`` to write the rules in: the system's buttons as actions, the start
    state, and one reward term per variable (its change), which the author replaces."""
    # The Atari console's switches are no actions: a .bk2 cannot store RESET (the start state
    # has it), and SELECT pressed in play changes the game (Surround's mode byte counts up).
    switches = CONSOLE_SWITCHES.get(system, ())
    buttons = [
        b for b in stable_retro.get_system_info(system)["buttons"] if b and b not in switches
    ]
    state = "Start" if players == 1 else "Start.2P"
    lines = [
        f"# A profile skeleton `arena integrate` wrote for {game}: the actions are the system's",
        "# buttons; the reward and done rules below only watch the variables you named. Write",
        "# the game's rules, then prove each with a probe (`arena probe`).",
        f"title: {game}",
        f"game: {game}",
        "rom: user",
        f"default_state: {state}",
        "states:",
        f"  {state}: {{players: {players}}}",
        "actions:",
        f"  {NOOP}: []",
        *(f"  {b.lower()}: [{b}]" for b in buttons),
        f"frame_skip: {FRAME_SKIP}",
        "max_frames: 18000",
    ]
    terms = [f"  {v.name}_change: delta({v.name})" for v in variables]
    lines += ["reward:", *terms]
    if players == 2:
        lines += ["reward_p2:", *terms]
    lines += ["done:", "  time_up: frame >= 18000"]
    return "\n".join(lines) + "\n"
