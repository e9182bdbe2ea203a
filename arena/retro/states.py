"""Save states the arena makes (``arena state save`` / ``arena state make``), kept in its store.

A state is written the way stable-retro writes its own: the emulator's serialized state,
gzip-compressed, as ``NAME.state`` in the game's folder of the arena's integration store
(created when needed; stable-retro's own folder is never touched). stable-retro then lists and
loads it like a shipped state. Beside it, ``NAME.arena.json`` says how many players it is for,
which state it was made from (whose constants it keeps in a profile) and how it was made.

States come from strangers too (a shared store, a file copied in): every read is bounded, on
disk and once inflated, and a name is a plain file name, never a path.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from arena.core.errors import RomMissingError, StateError, UsageError
from arena.core.locks import taking_turns
from arena.core.reading import loads_json, read_regular_text
from arena.retro import integrations

MAX_META_BYTES = 64 << 10
STATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A state's name: a file name of letters, digits, ``.``, ``_`` and ``-``, 64 at most."""
META_SUFFIX = ".arena.json"
META_FORMAT = "retro-arena-state/1"


@dataclass(frozen=True)
class StateMeta:
    """What the arena knows of a state it made, from ``NAME.arena.json``."""

    players: int
    based_on: str | None
    """The state it was made from (its constants carry over), or None (power-on)."""
    made_by: str
    """The command that made it."""
    sha256: str
    """Of the inflated state, as sidecars record a start state."""


def check_name(name: str) -> str:
    """``name`` when it is a plain state name; a path (``../x``) or odd characters raise."""
    if not STATE_NAME.fullmatch(name) or ".." in name or name.endswith(META_SUFFIX):
        raise UsageError(
            f"state name {name!r} is not a plain name",
            "use letters, digits, '.', '_' and '-' (64 at most), starting with a letter or digit",
        )
    return name


def store_folder(game: str) -> Path:
    """The game's folder in the arena's store, where the states it makes go."""
    return integrations.rom_store() / game


def shipped(game: str) -> set[str]:
    """The states of ``game`` found outside the arena's store (stable-retro's own)."""
    store = integrations.rom_store().resolve()
    names = set()
    for name in integrations.list_states(game):
        found = integrations.integration_file(game, f"{name}.state")
        if found is not None and not found.resolve().is_relative_to(store):
            names.add(name)
    return names


def read_meta(game: str, name: str) -> StateMeta | None:
    """The arena's record of state ``name`` of ``game``, or None for a state it did not make
    (a damaged record is an error naming the file)."""
    path = store_folder(game) / f"{name}{META_SUFFIX}"
    if not path.exists():
        return None
    try:
        record = loads_json(read_regular_text(path, MAX_META_BYTES))
        if not isinstance(record, dict) or record.get("format") != META_FORMAT:
            raise ValueError(f"not a {META_FORMAT} record")
        players = record["players"]
        if isinstance(players, bool) or players not in (1, 2):
            raise ValueError(f"players must be 1 or 2, got {players!r}")
        based_on = record.get("based_on")
        return StateMeta(players, based_on if isinstance(based_on, str) else None,
                         str(record.get("made_by", "")), str(record.get("sha256", "")))  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:
        raise StateError(f"{path}: unreadable state record ({exc})") from None


def made_states(game: str) -> dict[str, StateMeta]:
    """Every state of ``game`` the arena made, by name."""
    folder = store_folder(game)
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob(f"*{META_SUFFIX}")):
        name = path.name[: -len(META_SUFFIX)]
        if (folder / f"{name}.state").exists() and (meta := read_meta(game, name)):
            found[name] = meta
    return found


def write(game: str, name: str, state: bytes, meta: StateMeta, replace: bool = False) -> Path:
    """Write ``state`` as ``NAME.state`` (and its record) into the store; returns its path.
    A name stable-retro ships for this game is refused, and so is one the store holds unless
    ``replace``. Both files are written whole beside their names, then renamed into place."""
    check_name(name)
    if name in shipped(game):
        raise UsageError(
            f"{game} already ships a state {name!r}", "choose another --name (stable-retro's own "
            "states are never replaced)",
        )  # fmt: skip
    folder = store_folder(game)
    with taking_turns(folder):  # the check and the write as one: of two writers, one wins
        return _write(folder, name, state, meta, replace)


def _write(folder: Path, name: str, state: bytes, meta: StateMeta, replace: bool) -> Path:
    target, record = folder / f"{name}.state", folder / f"{name}{META_SUFFIX}"
    if target.exists() and not record.exists():
        raise UsageError(
            f"{target} is a state the arena did not make", "choose another --name"
        )  # an integration's own state, copied into the store with its ROM
    if target.exists() and not replace:
        raise UsageError(f"{target} exists", "choose another --name, or give --replace")
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": META_FORMAT, **asdict(meta)}, indent=2) + "\n"
    written: list[Path] = []
    try:
        for path, data in ((target, gzip.compress(state)), (record, text.encode())):
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
            written.append(Path(temporary))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)  # as stable-retro's own states, not mkstemp's 0600
        os.replace(written[0], target)
        os.replace(written[1], record)
    except OSError as exc:
        for leftover in written:
            leftover.unlink(missing_ok=True)
        raise StateError(f"{target}: cannot write the state ({exc.strerror or exc})") from None
    integrations.use_rom_store()
    return target


def require_made(game: str, name: str, profile: str) -> None:
    """Raise :class:`RomMissingError` unless the state ``name`` that profile ``profile`` makes
    from power-on (``arena roms fetch`` plays its script) has been made."""
    if not (store_folder(game) / f"{name}.state").is_file():
        raise RomMissingError(
            f"profile {profile!r} plays {game} state {name!r}, which `arena roms fetch` makes "
            "from power-on; it is not made yet",
            "run `arena roms fetch` to make it",
        )
