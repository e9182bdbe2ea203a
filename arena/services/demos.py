"""``arena demos DIR --out FILE.npz``: recorded episodes as a dataset for imitation learning,
whoever played them (agents now; people, once they play in the browser).

Nothing is stored while a game is played: each ``.bk2`` is re-simulated in the env its
sidecar names, its frames' buttons played as recorded (:meth:`ArenaEnv.step_pressed`), so
each agent step yields the observation through the profile's pipeline, the profile's action
whose buttons were pressed, the reward and whether the episode ended there. The returns the
re-simulation reaches must be the sidecar's, or the movie is refused (as ``arena verify``
would refuse it).

The file (``numpy.savez_compressed``) holds one row per agent step and seat:

- ``observations``: the observation that seat saw before the step (shape and dtype are the
  pipeline's, as ``arena info GAME`` states them);
- ``actions``: the index of the profile's action whose buttons the seat pressed on the step's
  last frame (the frame sticky actions cannot hold back), or -1 where they match none;
- ``rewards``: the seat's reward of the step (the game's, without training-only shaping);
- ``dones``: True on an episode's last step;
- ``episodes``: the index of the row's movie in ``movies``; ``seats``: 0 or 1;
- ``movies``: each movie's path relative to DIR; ``action_names``: the profile's actions;
- ``meta``: a JSON text: the profile, the inputs, the counts.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arena.core.errors import MovieError, UsageError
from arena.core.files import output_target, write_atomic
from arena.core.protocol import Protocol
from arena.emulation.movies import pressed_frames, profile_for_replay, read_sidecar, sidecar_path
from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.profiles.loading import Profile

FORMAT = "retro-arena-demos/1"


@dataclass(frozen=True)
class DemosRequest:
    """A folder of recorded episodes (searched below), the dataset file to write, and the
    inputs the observations are made of (None: the profile's own pipeline)."""

    folder: Path
    out: Path
    inputs: str | None = None


@dataclass(frozen=True)
class Demos:
    path: Path
    profile: str
    episodes: int
    steps: int
    """Rows: agent steps times seats."""
    unmatched: int
    """Rows whose buttons match none of the profile's actions (action -1)."""


@dataclass
class _Rows:
    observations: list[Any]
    actions: list[int]
    rewards: list[float]
    dones: list[bool]
    episodes: list[int]
    seats: list[int]


def build_demos(
    host: PluginHost, request: DemosRequest, episode_done: Callable[[Path, int], None]
) -> Demos:
    """Re-simulate every movie under the folder into one dataset; ``episode_done`` hears each
    movie and its number of rows. The movies must be of one profile (one action set, one
    observation shape)."""
    output_target(request.out, "--out", (".npz",))
    if not request.folder.is_dir():
        raise UsageError(f"{request.folder}: no such folder", "give a folder of recorded movies")
    movies = sorted(
        p for p in request.folder.rglob("*.bk2")
        if not p.name.startswith(".") and sidecar_path(p).is_file()
    )  # fmt: skip
    if not movies:
        raise MovieError(f"{request.folder}: no .bk2 movie with its sidecar in this folder")
    rows = _Rows([], [], [], [], [], [])
    profile_name: str | None = None
    action_names: list[str] = []
    for index, movie in enumerate(movies):
        sidecar = read_sidecar(movie)
        profile = profile_for_replay(host.profile_for_movie(sidecar, movie), sidecar)
        if profile_name not in (None, profile.name):
            raise UsageError(
                f"{request.folder} holds movies of {profile_name} and {profile.name} ({movie})",
                "give a folder of one game's movies: one dataset has one action set",
            )
        profile_name, action_names = profile.name, list(profile.actions)
        before = len(rows.actions)
        _add_episode(host, movie, sidecar, profile, index, request.inputs, rows)
        episode_done(movie, len(rows.actions) - before)
    assert profile_name is not None
    unmatched = sum(a < 0 for a in rows.actions)
    meta = {
        "format": FORMAT,
        "profile": profile_name,
        "inputs": request.inputs or "profile",
        "episodes": len(movies),
        "rows": len(rows.actions),
        "unmatched": unmatched,
    }
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        observations=np.stack(rows.observations),
        actions=np.array(rows.actions, np.int64),
        rewards=np.array(rows.rewards, np.float32),
        dones=np.array(rows.dones, bool),
        episodes=np.array(rows.episodes, np.int32),
        seats=np.array(rows.seats, np.int8),
        movies=np.array([str(m.relative_to(request.folder)) for m in movies]),
        action_names=np.array(action_names),
        meta=np.array(json.dumps(meta)),
    )
    write_atomic(request.out, buffer.getvalue())
    return Demos(request.out, profile_name, len(movies), len(rows.actions), unmatched)


def _add_episode(
    host: PluginHost,
    movie: Path,
    sidecar: dict[str, Any],
    profile: Profile,
    index: int,
    inputs: str | None,
    rows: _Rows,
) -> None:
    """One movie's rows: its frames' buttons played in the env its sidecar names."""
    recorded = Protocol.model_validate(sidecar["protocol"])
    protocol = Protocol(cheats=recorded.cheats)  # the presses are the game's: nothing sticks
    observation: dict[str, Any] = {} if inputs is None else {"inputs": inputs}
    env = ArenaEnv(
        profile, sidecar["state"], protocol=protocol, builders=host.observations, **observation
    )
    try:
        frames = pressed_frames(movie, len(env.emulator.buttons))
        noops = int(sidecar.get("noops", 0))
        seen, _ = env.reset(seed=int(sidecar["seed"]), options={"noops": noops})
        at, skip, players = 1 + noops, profile.frame_skip, env.players
        if any(f.any() for f in frames[:at]):
            raise MovieError(f"{movie}: buttons are pressed before the episode starts")
        done = False
        while at < len(frames) and not done:
            chunk = frames[at : at + skip]
            start = env.frame
            after, _, terminated, truncated, info = env.step_pressed(chunk)
            ran = env.frame - start
            done = terminated or truncated or at + ran >= len(frames)
            chosen = env.actions_of(chunk[ran - 1])
            observations = (seen,) if players == 1 else seen
            for seat in range(players):
                rows.observations.append(observations[seat])
                action = chosen[seat]
                rows.actions.append(-1 if action is None else action)
                rows.rewards.append(float(info["rewards"][seat]))
                rows.dones.append(done)
                rows.episodes.append(index)
                rows.seats.append(seat)
            seen, at = after, at + ran
        recorded_returns = [float(r) for r in sidecar["returns"]]
        if not np.allclose(env.returns, recorded_returns, rtol=0, atol=1e-6):
            raise MovieError(
                f"{movie}: re-simulated returns {env.returns} are not the sidecar's "
                f"{recorded_returns}",
                f"run `arena verify {movie}`",
            )
    finally:
        env.close()
