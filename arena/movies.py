"""Episode movies: .bk2 files with a JSON sidecar, replayed frame by frame and verified.

A replay feeds a movie's recorded buttons to a fresh emulator and evaluates the profile's rules
every ``frame_skip`` frames, exactly as the episode did, so the frame count and the return must
come out equal to the sidecar's.
"""

from __future__ import annotations

import collections
import json
import math
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import stable_retro

from arena.emulator import Emulator, ram_layout
from arena.errors import MovieError, VerifyError
from arena.files import write_atomic
from arena.profiles import Profile
from arena.rules import RuleEngine

SIDECAR_FORMAT = "retro-arena-episode/1"
BK2_ENTRIES = {"Input Log.txt", "Header.txt"}


def sidecar_path(movie: Path) -> Path:
    return movie.with_suffix(".json")


def write_sidecar(movie: Path, record: Mapping[str, Any]) -> Path:
    path = sidecar_path(movie)
    write_atomic(path, json.dumps({"format": SIDECAR_FORMAT, **record}, indent=2) + "\n")
    return path


def read_sidecar(movie: Path) -> dict[str, Any]:
    """The sidecar of ``movie``; a missing or malformed one raises :class:`MovieError`."""
    path = sidecar_path(movie)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise MovieError(
            f"{movie}: no sidecar {path.name} beside it",
            "only movies recorded by `arena run` can be verified",
        ) from None
    except (OSError, ValueError) as exc:
        raise MovieError(f"{path}: unreadable sidecar ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != SIDECAR_FORMAT:
        raise MovieError(f"{path}: not a retro-arena sidecar (format {SIDECAR_FORMAT!r} expected)")
    return record


def check_movie(path: Path) -> None:
    """Raise :class:`MovieError` unless ``path`` is a whole .bk2 archive."""
    if not path.is_file():
        raise MovieError(f"{path}: no such movie")
    if path.stat().st_size == 0:
        raise MovieError(f"{path}: empty file, not a .bk2 movie")
    try:
        with zipfile.ZipFile(path) as archive:
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

    def screen(self) -> np.ndarray:
        return self.emulator.screen()


def profile_for_replay(profile: Profile, sidecar: Mapping[str, Any]) -> Profile:
    """The profile as the episode ran it (with its recorded time-limit override)."""
    if "max_frames" in sidecar:
        return replace(profile, max_frames=sidecar["max_frames"])
    return profile


def replay(
    path: Path, profile: Profile | None, sidecar: Mapping[str, Any] | None
) -> Iterator[ReplayFrame]:
    """Re-simulate ``path`` frame by frame; without a profile, returns stay empty."""
    movie = open_movie(path)
    game, players = movie.get_game(), movie.players
    if profile is not None and profile.game != game:
        raise MovieError(
            f"{path}: movie is of {game}, but profile {profile.name!r} plays {profile.game}"
        )
    emulator = Emulator(game, players, f"movie {path.name}")
    try:
        yield from _replay_frames(movie, emulator, profile, sidecar or {})
    finally:
        emulator.close()


def _replay_frames(
    movie: stable_retro.Movie,
    emulator: Emulator,
    profile: Profile | None,
    sidecar: Mapping[str, Any],
) -> Iterator[ReplayFrame]:
    players, n_buttons = movie.players, len(emulator.buttons)
    emulator.load_state(movie.get_state())
    rules = layout = None
    if profile is not None:
        rules = RuleEngine(profile, profile.state(sidecar.get("state")))
        layout = ram_layout(profile.game, profile.ram)
    skip = profile.frame_skip if profile else 1
    start = 1 + _whole(sidecar.get("noops", 0))  # the reset's idle frame and the no-op start
    returns, done_reason, frame, step = [0.0] * players, None, 0, 0
    while movie.step():
        masks = tuple(
            np.fromiter((movie.get_key(i, p) for i in range(n_buttons)), np.uint8, n_buttons)
            for p in range(players)
        )
        emulator.step(masks)
        frame += 1
        if rules is not None and layout is not None:
            if frame == start:
                rules.reset(emulator.read_ram(layout))
            elif frame > start and (frame - start) % skip == 0:
                step += 1
                outcome = rules.step(emulator.read_ram(layout), frame, step)
                for player, reward in enumerate(outcome.rewards):
                    returns[player] += reward
                done_reason = done_reason or outcome.done_reason
        yield ReplayFrame(frame, list(returns), done_reason, emulator)


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
    """Re-simulate ``path`` and compare frames and returns with its sidecar; raise on mismatch."""
    if sidecar.get("profile_digest") != profile.digest:
        raise VerifyError(
            f"{path}: profile {profile.name!r} changed since this movie was recorded "
            f"(digest {str(sidecar.get('profile_digest'))[:12]} recorded, "
            f"{profile.digest[:12]} now)"
        )
    tail = collections.deque(replay(path, profile_for_replay(profile, sidecar), sidecar), maxlen=1)
    last = tail[0] if tail else None
    frames = last.frame if last else 0
    returns = last.returns if last else []
    problems = []
    if frames != sidecar.get("frames"):
        problems.append(f"frames {frames} != recorded {sidecar.get('frames')}")
    recorded = sidecar.get("returns", [])
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
        raise VerifyError(f"{path}: replay does not match its sidecar: {'; '.join(problems)}")
    return VerifyResult(path, frames, returns)
