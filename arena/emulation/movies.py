"""Episode movies: .bk2 files with a JSON sidecar, replayed frame by frame and verified.

A replay feeds a movie's recorded buttons to a fresh emulator and evaluates the profile's rules
every ``frame_skip`` frames, and its done rules on the frames between, exactly as the episode
did, so the frame count and the return must come out equal to the sidecar's.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import stable_retro
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from arena.core.errors import ArenaError, MovieError, OutputError, VerifyError
from arena.core.limits import MAX_FRAMES, MAX_RETURN
from arena.core.models import first_error
from arena.core.protocol import NOOP_MAX_LIMIT, Protocol
from arena.core.reading import loads_json, read_regular_text
from arena.emulation.emulator import Emulator, check_layout, ram_layout
from arena.profiles.loading import Profile
from arena.profiles.rules import RuleEngine
from arena.retro import integrations
from arena.retro.state_files import comparable, sha256

SIDECAR_FORMAT = "retro-arena-episode/1"
BK2_ENTRIES = {"Input Log.txt", "Header.txt"}


def sidecar_path(movie: Path) -> Path:
    return movie.with_suffix(".json")


MAX_TAKEN_NAMES = 10_000
"""How many recordings of one episode name a folder holds: ``NAME.bk2``, ``NAME-run2.bk2``..."""


def commit_movie(partial: Path, final: Path, record: Callable[[Path], Mapping[str, Any]]) -> Path:
    """Put a recorded movie and its sidecar in place together, or neither, and return the
    movie's path. A movie is never replaced: where ``final`` is taken (the same episode name
    recorded before, with other options or another checkpoint), the movie becomes
    ``NAME-run2.bk2`` and so on, so that an earlier results line still names its own episode.
    ``record(path)`` gives the sidecar for the name chosen. The sidecar is written whole beside
    the partial movie first; the movie is then linked to its name, which fails where another
    command took that name first. On any failure both temporary files go and earlier files
    are untouched."""
    try:
        check_movie(partial)  # stable-retro does not report a failed write (a full disk)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if not isinstance(exc, MovieError):
            raise
        raise OutputError(
            f"{final}: the movie could not be written whole (is the disk full?); "
            "nothing of this episode was kept"
        ) from None
    tmp = final.with_name(f".{final.stem}.{os.getpid()}.part.json")
    chosen, claiming = final, False
    try:
        for run in range(1, MAX_TAKEN_NAMES + 1):
            chosen = final if run == 1 else final.with_name(f"{final.stem}-run{run}.bk2")
            if sidecar_path(chosen).exists():
                continue  # a sidecar whose movie went: its name stays taken
            sidecar = {"format": SIDECAR_FORMAT, **record(chosen)}
            tmp.write_text(json.dumps(sidecar, indent=2) + "\n")
            claiming = True
            if _claim(partial, chosen):
                break
            claiming = False
        else:
            raise OutputError(
                f"{final}: {MAX_TAKEN_NAMES} recordings of this episode are already there",
                "record into another folder",
            )
        os.replace(tmp, sidecar_path(chosen))
    except BaseException as exc:  # a full disk, Ctrl-C, SIGTERM: nothing of it is left
        ours = claiming and _moved(partial, chosen)
        for leftover in (tmp, partial):
            leftover.unlink(missing_ok=True)
        if ours and not sidecar_path(chosen).exists():
            chosen.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(
                f"{final}: cannot write the movie and its sidecar ({exc.strerror or exc}); "
                "nothing of this episode was kept"
            ) from None
        raise
    return chosen


def _moved(partial: Path, name: Path) -> bool:
    """Whether ``partial`` was put at ``name`` (linked there, or gone from its own name: only
    the claim moves it), not another command's movie of that name."""
    try:
        return not partial.exists() or os.path.samefile(partial, name)
    except OSError:  # ``name`` does not exist
        return False


def _claim(partial: Path, name: Path) -> bool:
    """Move ``partial`` to ``name`` unless ``name`` exists; False where it does."""
    try:
        os.link(partial, name)  # atomic: fails where the name exists, whoever made it
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: the folder's lock guards the check
        if name.exists():
            return False
        os.replace(partial, name)
        return True
    partial.unlink()
    return True


Whole = Annotated[int, Field(ge=0), Strict()]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_RETURN, le=MAX_RETURN)]
"""A return as a record holds it: finite and at most ``MAX_RETURN`` in size."""


class Edit(BaseModel):
    """A change made to a live game outside its buttons (``arena serve``'s tools), recorded
    so that a replay makes it again: after ``frame`` frames, before the next, ``poke``
    (address, type, value) is written to RAM or ``cheat`` (a Game Genie or Pro Action Replay
    code) goes to the core."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frame: Whole
    poke: tuple[
        Annotated[int, Field(ge=0, lt=2**24), Strict()],
        Annotated[str, Field(pattern=r"^[|<>=][uid][1-8]$")],
        Annotated[int, Field(ge=-(2**31), lt=2**32), Strict()],
    ] | None = None
    cheat: Annotated[str, Field(pattern=r"^[A-Za-z0-9:+-]{4,40}$")] | None = None

    def apply(self, emulator: Emulator) -> None:
        if self.poke is not None:
            address, kind, value = self.poke
            emulator.memory.assign(address, kind, value)
        if self.cheat is not None:
            emulator.core.add_cheat(self.cheat)


MAX_EDITS = 10_000


class SidecarModel(BaseModel):
    """The fields of a sidecar that replay and verify rely on, with their types; a sidecar
    may hold more (versions, timings...)."""

    model_config = ConfigDict(extra="allow")

    format: Literal["retro-arena-episode/1"]
    profile: Annotated[str, Field(min_length=1)]
    game: Annotated[str, Field(min_length=1)]
    state: Annotated[str, Field(min_length=1)]
    players: Annotated[int, Field(ge=1, le=2), Strict()]
    agent: Annotated[str, Field(min_length=1)]
    seed: Annotated[int, Strict()]
    frames: Annotated[int, Field(ge=0, le=MAX_FRAMES + 4096), Strict()]
    returns: list[Finite]
    done_reason: str | None
    forfeit: str | None = None
    noops: Annotated[int, Field(ge=0, le=NOOP_MAX_LIMIT), Strict()] = 0
    """No-op frames after the reset: at most what a protocol may draw."""
    protocol: Protocol
    frame_skip: Annotated[int, Field(ge=1), Strict()]
    max_frames: Annotated[int, Field(ge=1), Strict()] | None
    profile_digest: Annotated[str, Field(min_length=1)]
    rom_sha1: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
    state_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    """The start state's sha256 (sidecars before it was recorded lack it)."""
    edits: Annotated[list[Edit], Field(max_length=MAX_EDITS)] = []
    """Pokes and typed codes made while a person played with the tools, in order."""


MAX_SIDECAR_BYTES = 1 << 20
"""A sidecar of at most 1 MiB (the arena writes about 2 kB)."""


def read_sidecar(movie: Path) -> dict[str, Any]:
    """The sidecar of ``movie``; a missing or malformed one raises :class:`MovieError`."""
    path = sidecar_path(movie)
    try:
        record = loads_json(read_regular_text(path, MAX_SIDECAR_BYTES))
    except FileNotFoundError:
        raise MovieError(
            f"{movie}: no sidecar {path.name} beside it",
            "movies the arena records (`arena run --record`, `bench`, `match` and `tournament "
            "--record`, training's best episodes) carry one",
        ) from None
    except (OSError, ValueError) as exc:
        raise MovieError(f"{path}: unreadable sidecar ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != SIDECAR_FORMAT:
        raise MovieError(f"{path}: not a retro-arena sidecar (format {SIDECAR_FORMAT!r} expected)")
    try:
        SidecarModel.model_validate(record)
    except ValidationError as exc:
        field, problem, value = first_error(exc)
        got = "" if exc.errors()[0]["type"] == "missing" else f", got {value!r:.60}"
        raise MovieError(f"{path}: sidecar field {field}: {problem}{got}") from None
    return record


MAX_INPUT_LOG_BYTES = 64 * (MAX_FRAMES + 1024)
"""A .bk2's input log: one line per frame, under 64 bytes for two 12-button pads, for at
most the longest time limit a profile may set. Members are checked by their declared size
before anything is read (a zip bomb is refused, not inflated)."""
MAX_MOVIE_MEMBERS = 16


def check_movie(path: Path) -> None:
    """Raise :class:`MovieError` unless ``path`` is a whole .bk2 archive of sane size."""
    if not path.is_file():
        raise MovieError(f"{path}: no such movie")
    if path.stat().st_size == 0:
        raise MovieError(f"{path}: empty file, not a .bk2 movie")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MOVIE_MEMBERS:
                raise MovieError(f"{path}: {len(members)} files inside; a .bk2 holds a few")
            for member in members:
                if member.file_size > MAX_INPUT_LOG_BYTES:
                    raise MovieError(
                        f"{path}: {member.filename} would inflate to {member.file_size:,} "
                        f"bytes; the limit is {MAX_INPUT_LOG_BYTES:,} (a movie of "
                        f"{MAX_FRAMES:,} frames)"
                    )
            names = set(archive.namelist())
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise MovieError(f"{path}: corrupt or truncated .bk2 (not a whole zip archive)") from None
    if bad is not None or not names >= BK2_ENTRIES:
        raise MovieError(
            f"{path}: corrupt .bk2 (damaged or missing {bad or sorted(BK2_ENTRIES - names)})"
        )


def open_movie(path: Path) -> stable_retro.Movie:
    """Open a .bk2 for reading after checking it is a whole bk2 archive."""
    check_movie(path)
    try:
        return stable_retro.Movie(str(path))
    except RuntimeError as exc:
        raise MovieError(f"{path}: stable-retro cannot load this movie ({exc})") from None


@dataclass
class ReplayFrame:
    """One replayed frame: its number, the returns so far and why the episode ended, if it has."""

    frame: int
    returns: list[float]
    done_reason: str | None
    emulator: Emulator
    pressed: bool = False
    """Whether any button was down in this frame."""
    masks: tuple[np.ndarray, ...] = ()
    """Each player's buttons in this frame (0/1 per button of the core's layout)."""
    rules: RuleEngine | None = None
    """The profile's rules as of the last agent step (None without a profile)."""

    def screen(self) -> np.ndarray:
        return self.emulator.screen()


def profile_for_replay(profile: Profile, sidecar: Mapping[str, Any]) -> Profile:
    """The profile as the episode ran it (with its recorded time-limit override)."""
    if "max_frames" in sidecar:
        return profile.with_time_limit(sidecar["max_frames"])
    return profile


def replay(
    path: Path, profile: Profile | None, sidecar: Mapping[str, Any] | None
) -> Iterator[ReplayFrame]:
    """Re-simulate ``path`` frame by frame; without a profile, returns stay empty.

    Every command replays through here, so every replay plays the episode as recorded: the
    cheats and pokes its sidecar names are switched on (a .bk2 records the buttons alone).
    Those need the profile that names them; a sidecar that names some, replayed without it,
    is refused rather than replayed as another game."""
    cheats = Protocol.model_validate((sidecar or {}).get("protocol", {})).cheats
    if cheats and profile is None:
        raise MovieError(
            f"{path}: played with cheats or pokes on ({', '.join(cheats)}), which only its "
            "profile can switch on again"
        )
    movie = open_movie(path)
    game, players = movie.get_game(), movie.players
    if profile is not None and profile.game != game:
        raise MovieError(
            f"{path}: movie is of {game}, but profile {profile.name!r} plays {profile.game}"
        )
    emulator = Emulator(profile.integration if profile else game, players, f"movie {path.name}")
    try:
        yield from _replay_frames(movie, emulator, profile, sidecar or {})
    finally:
        emulator.close()


def replay_recorded(path: Path, profile: Profile | None) -> Iterator[ReplayFrame]:
    """``path`` replayed as it was recorded: with its sidecar, when it has one, and so with
    the cheats and pokes the sidecar names (``profile`` is the movie's)."""
    sidecar = read_sidecar(path) if sidecar_path(path).exists() else None
    return replay(path, profile if sidecar else None, sidecar)


def pressed_frames(path: Path, n_buttons: int) -> list[np.ndarray]:
    """Every frame's buttons of a movie as recorded, one row per controller (0/1 per button
    of the core's layout), read without emulating; bounded as replays are."""
    check_movie(path)
    movie = open_movie(path)
    frames: list[np.ndarray] = []
    while movie.step():
        if len(frames) > MAX_FRAMES + 4096:  # longer than any episode a profile allows
            raise MovieError(
                f"{path}: the input log runs past {MAX_FRAMES:,} frames, longer than any episode"
            )
        frames.append(
            np.array(
                [[movie.get_key(i, p) for i in range(n_buttons)] for p in range(movie.players)],
                np.uint8,
            )
        )
    return frames


def _replay_frames(
    movie: stable_retro.Movie,
    emulator: Emulator,
    profile: Profile | None,
    sidecar: Mapping[str, Any],
) -> Iterator[ReplayFrame]:
    players, n_buttons = movie.players, len(emulator.buttons)
    emulator.load_state(movie.get_state())
    rules = layout = None
    if profile is not None:  # the cheats the episode had on (a .bk2 does not record them)
        emulator.switch_on(profile, Protocol.model_validate(sidecar.get("protocol", {})).cheats)
        rules = RuleEngine(profile, profile.state(sidecar.get("state")))
        layout = ram_layout(profile.game, profile.ram)
        check_layout(layout, emulator.memory.blocks, profile.source, profile.ram)
        watched = {name: layout[name] for name in rules.watched_ram}
    skip = profile.frame_skip if profile else 1
    start = 1 + _whole(sidecar.get("noops", 0))  # the reset's idle frame and the no-op start
    returns, done_reason, frame, step, stepped = [0.0] * players, None, 0, 0, 0
    edits = [Edit.model_validate(e) for e in sidecar.get("edits") or []][:MAX_EDITS]
    edits.sort(key=lambda e: e.frame)
    while movie.step():
        if frame > MAX_FRAMES + 4096:  # longer than any episode a profile allows
            raise MovieError(
                f"the input log runs past {MAX_FRAMES:,} frames, longer than any episode"
            )
        masks = tuple(
            np.fromiter((movie.get_key(i, p) for i in range(n_buttons)), np.uint8, n_buttons)
            for p in range(players)
        )
        while edits and edits[0].frame <= frame:  # made between the last frame and this one
            edits.pop(0).apply(emulator)
        emulator.step(masks)
        frame += 1
        if rules is not None and layout is not None:
            if frame == start:
                rules.reset(emulator.read_ram(layout))
                stepped = frame
            elif (
                frame > start
                and done_reason is None
                and (frame - stepped == skip or rules.watch(emulator.read_ram(watched), frame))
            ):  # a step's last frame, or the frame a done rule turned true (the env ends there)
                step += 1
                stepped = frame
                outcome = rules.step(emulator.read_ram(layout), frame, step)
                for player, reward in enumerate(outcome.rewards):
                    returns[player] += reward
                done_reason = outcome.done_reason
        pressed = any(m.any() for m in masks)
        yield ReplayFrame(frame, list(returns), done_reason, emulator, pressed, masks, rules)


def _state_named(profile: Profile, state: bytes) -> str | None:
    """The profile's state whose bytes are ``state`` now, if one is."""
    for name in profile.states:
        with contextlib.suppress(ArenaError):
            if comparable(profile.integration.read_state(name)) == comparable(state):
                return name
    return None


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MovieError(f"sidecar field noops must be a whole number >= 0, got {value!r}")
    return value


@dataclass(frozen=True)
class VerifyResult:
    movie: Path
    frames: int
    returns: list[float]


def verify(path: Path, profile: Profile, sidecar: Mapping[str, Any]) -> VerifyResult:
    """Re-simulate ``path`` and check the whole sidecar against it: the game, state, players,
    profile, ROM, protocol, frames, returns and end reason. Raise on the first mismatch."""

    def fail(problem: str) -> VerifyError:
        return VerifyError(f"{path}: {problem}")

    if sidecar.get("profile_digest") != profile.digest:
        raise fail(
            f"profile {profile.name!r} changed since this movie was recorded "
            f"(digest {str(sidecar.get('profile_digest'))[:12]} recorded, "
            f"{profile.digest[:12]} now)"
        )
    movie = open_movie(path)
    facts = {
        "game": (sidecar["game"], movie.get_game(), "the movie's"),
        "players": (sidecar["players"], movie.players, "the movie's"),
        "frame_skip": (sidecar["frame_skip"], profile.frame_skip, "the profile's"),
    }
    for field, (recorded, actual, whose) in facts.items():
        if recorded != actual:
            raise fail(f"sidecar {field} {recorded!r} is not {whose} ({actual!r})")
    if profile.game != sidecar["game"]:
        raise fail(f"sidecar game {sidecar['game']!r} is not profile {profile.name!r}'s")
    start_state = profile.integration.read_state(profile.state(sidecar["state"]).name)
    recorded_sha, embedded = sidecar.get("state_sha256"), bytes(movie.get_state())
    if comparable(embedded) != comparable(start_state):
        named = _state_named(profile, embedded)
        if named is not None:  # the sidecar names another state than the movie holds
            raise fail(f"the movie does not start from state {sidecar['state']!r} ({named!r})")
        if recorded_sha == sha256(embedded):  # recorded from the state as it was then
            raise fail(
                f"state {sidecar['state']!r} changed since this movie was recorded (sha256 "
                f"{str(recorded_sha)[:12]} recorded, {sha256(start_state)[:12]} now)"
            )
        raise fail(f"the movie does not start from state {sidecar['state']!r}")
    rom = integrations.rom_sha1(profile.integration.rom(f"movie {path.name}"))
    if sidecar["rom_sha1"] != rom:
        raise fail(f"sidecar rom_sha1 {sidecar['rom_sha1'][:12]} is not the ROM's ({rom[:12]})")
    protocol = sidecar["protocol"]
    if sidecar.get("noops", 0) > protocol["noop_max"]:
        raise fail(f"noops {sidecar['noops']} exceed the protocol's noop_max")
    recorded_frames = sidecar["frames"]
    limit = sidecar["max_frames"]
    if limit is not None and recorded_frames > limit + profile.frame_skip:
        raise fail(f"frames {recorded_frames} run past the time limit of {limit}")
    start = 1 + sidecar.get("noops", 0)
    last = None
    for last in replay(path, profile_for_replay(profile, sidecar), sidecar):
        if last.frame > recorded_frames:  # stop here: the input log is longer than recorded
            raise fail(f"the input log runs past the recorded {recorded_frames} frames")
        if last.frame <= start and last.pressed:
            raise fail(f"buttons pressed at frame {last.frame}, before the episode started")
    frames = last.frame if last else 0
    returns = last.returns if last else []
    problems = []
    if frames != recorded_frames:
        problems.append(f"frames {frames} != recorded {recorded_frames}")
    recorded = sidecar["returns"]
    if len(recorded) != len(returns) or not all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        for a, b in zip(returns, recorded, strict=False)
    ):
        problems.append(f"returns {returns} != recorded {recorded}")
    if (
        sidecar.get("forfeit") is None
        and last is not None
        and last.done_reason != sidecar.get("done_reason")
    ):
        problems.append(
            f"done reason {last.done_reason!r} != recorded {sidecar.get('done_reason')!r}"
        )
    if problems:
        raise fail(f"replay does not match its sidecar: {'; '.join(problems)}")
    return VerifyResult(path, frames, returns)
