"""Where stable-retro's integrations, states and ROMs are, including the arena's own ROM store.

ROMs the arena installs go to ``$ARENA_HOME/integrations`` (default
``$XDG_DATA_HOME/retro-arena`` or ``~/.local/share/retro-arena``), registered with stable-retro
as a custom integration path. A game folder there may hold just the ROM (its data, scenario and
states are then found in stable-retro's own folder) or a full copy of the integration with its
own ``rom.sha`` (a near-miss ROM accepted with ``--accept-sha``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import stable_retro
import stable_retro.data

from arena.core.errors import RomMissingError, UnknownNameError
from arena.retro.state_files import read_file

INTEGRATIONS = stable_retro.data.Integrations.ALL


def arena_home() -> Path:
    """The folder the arena keeps ROMs and downloaded wheels in."""
    if home := os.environ.get("ARENA_HOME"):
        return Path(home).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "retro-arena"


def rom_store() -> Path:
    """The custom integration folder ROMs are installed into."""
    return arena_home() / "integrations"


_registered: set[str] = set()


def use_rom_store() -> None:
    """Make stable-retro search the arena's ROM store once it exists (once per process and
    path). Looking a game up never creates the folder: installing a ROM does."""
    path = str(rom_store())
    if path not in _registered and os.path.isdir(path):
        stable_retro.data.Integrations.add_custom_path(path)
        _registered.add(path)
        known_games.cache_clear()  # the store's games join the list


def integration_file(game: str, name: str) -> Path | None:
    """The path of ``name`` (data.json, a .state, rom.sha...) for ``game``, store first."""
    use_rom_store()
    found = stable_retro.data.get_file_path(game, name, INTEGRATIONS)
    return Path(found) if found else None


@functools.cache
def known_games() -> tuple[str, ...]:
    """Every integration id stable-retro knows (stable, contrib, experimental, store)."""
    use_rom_store()
    # A dot-name is a build or an integrate in progress (or one a SIGKILL cut short): no game.
    return tuple(g for g in stable_retro.data.list_games(INTEGRATIONS) if not g.startswith("."))


def require_game(game: str) -> None:
    """Raise :class:`UnknownNameError` unless ``game`` is a known integration id."""
    if integration_file(game, "data.json") is None:
        raise UnknownNameError("stable-retro integration", game, known_games())


def list_states(game: str) -> list[str]:
    """The save states shipped with ``game``'s integration (without ``.state``)."""
    use_rom_store()
    return list(stable_retro.data.list_states(game, INTEGRATIONS))


def read_state(game: str, state: str) -> bytes:
    """The decompressed bytes of one save state (bounded on disk and inflated: see
    :mod:`arena.retro.state_files`)."""
    path = integration_file(game, f"{state}.state")
    if path is None:
        raise UnknownNameError(f"{game} state", state, list_states(game))
    return read_file(path)


@dataclass(frozen=True)
class Integration:
    """One game's stable-retro integration, looked up once (when its profile loads): its id,
    system, the core's button layout, its states and the RAM variables of its data.json. The
    env and the emulator take it from the profile instead of resolving the id again."""

    game: str
    system: str
    buttons: tuple[str | None, ...]
    """The core's button layout; ``None`` marks an unused slot."""
    states: tuple[str, ...]
    ram: Mapping[str, Mapping[str, object]]
    unbuilt: bool = False
    """A game stable-retro lacks whose profile says how to build it, not built yet: its
    states and ROM are missing until ``arena roms fetch`` builds it (see :func:`to_build`)."""

    def read_state(self, state: str) -> bytes:
        """The decompressed bytes of one of its save states."""
        if self.unbuilt:
            raise _not_built(self.game, None)
        return read_state(self.game, state)

    def rom(self, needed_by: str | None = None) -> Path:
        """Its installed ROM; :class:`RomMissingError` names the command that installs it."""
        if self.unbuilt:
            raise _not_built(self.game, needed_by)
        return require_rom(self.game, needed_by)


def to_build(game: str, states: tuple[str, ...]) -> Integration:
    """The integration ``arena roms fetch`` builds for ``game`` (``NAME-SYSTEM-v0``), as it
    will be: its system's buttons and ``states``, no data.json variables (the profile has
    them). Playing it before the fetch is a :class:`RomMissingError` naming the fetch."""
    return Integration(game, system_of(game), tuple(buttons(game)), states, {}, unbuilt=True)


def _not_built(game: str, needed_by: str | None) -> RomMissingError:
    who = f"{needed_by} needs {game}, which" if needed_by else f"{game} is a game that"
    return RomMissingError(
        f"{who} stable-retro lacks and the arena builds from a ROM a registry package "
        "carries; it is not built yet",
        "run `arena roms fetch` to build it",
    )


def resolve(game: str) -> Integration:
    """The integration of ``game``; :class:`UnknownNameError` when stable-retro has none."""
    ram = ram_variables(game)  # raises for an unknown id
    return Integration(game, system_of(game), tuple(buttons(game)), tuple(list_states(game)), ram)


def ram_variables(game: str) -> dict[str, dict[str, object]]:
    """The ``info`` variables (address and type) declared in the integration's data.json."""
    path = integration_file(game, "data.json")
    if path is None:
        raise UnknownNameError("stable-retro integration", game, known_games())
    with open(path) as fh:
        return dict(json.load(fh).get("info", {}))


def system_of(game: str) -> str:
    """The emulated system (``Nes``, ``Genesis``, ``Atari2600``...) from the integration id."""
    base = game[: -len("-v0")] if game.endswith("-v0") else game
    return base.rsplit("-", 1)[-1]


def buttons(game: str) -> list[str | None]:
    """The core's button layout for ``game``'s system; ``None`` marks an unused slot."""
    return list(stable_retro.get_system_info(system_of(game))["buttons"])


def expected_shas(game: str) -> list[str]:
    """The ROM sha1 values the integration accepts (the store's ``rom.sha`` wins)."""
    path = integration_file(game, "rom.sha")
    return path.read_text().split() if path else []


def rom_sha1(path: Path) -> str:
    """The sha1 stable-retro compares with ``rom.sha``: NES ROMs without their 16-byte header."""
    data = path.read_bytes()
    if path.suffix.lower() == ".nes":
        data = data[16:]
    return hashlib.sha1(data).hexdigest()


def find_rom(game: str) -> Path | None:
    """The installed ROM file for ``game``, or None."""
    use_rom_store()
    try:
        return Path(stable_retro.data.get_romfile_path(game, INTEGRATIONS))
    except FileNotFoundError:
        return None


MARIO_GAME = "SuperMarioBros-Nes-v0"
FETCHABLE_SYSTEMS = {"Atari2600"}  # `arena roms fetch` installs these from registry packages
FETCHABLE_GAMES = {MARIO_GAME}


def fix_command(game: str) -> str:
    """The command that installs ``game``'s ROM, for error messages."""
    if game in FETCHABLE_GAMES or system_of(game) in FETCHABLE_SYSTEMS:
        return "run `arena roms fetch` to install it"
    return "import your own copy with `arena roms import PATH` (files, folders or zips)"


def require_rom(game: str, needed_by: str | None = None) -> Path:
    """The ROM for ``game``; raise :class:`RomMissingError` naming the command that fixes it.
    ``needed_by`` says who asks ("profile 'sonic2'", "movie x.bk2")."""
    rom = find_rom(game)
    if rom is not None:
        return rom
    raise RomMissingError(
        f"{needed_by or 'this'} needs the ROM for {game}, which is not installed",
        fix_command(game),
    )
