"""The arena loop: agents play episodes of a profile; each is recorded, logged and reported.

An agent that raises, or returns an action outside its action space, forfeits the episode:
the episode stops there and is recorded with the reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arena.core.files import (
    append_line,
    name_in,
    output_file,
    output_folder,
    package_versions,
)
from arena.emulation.movies import commit_movie
from arena.play.agents import Agent, AgentState
from arena.play.env import ArenaEnv
from arena.retro import integrations


@dataclass
class EpisodeResult:
    """One episode's outcome, as written to the results file and the movie's sidecar."""

    agent: str
    profile: str
    state: str
    episode: int
    seed: int
    returns: list[float]
    frames: int
    """The frames the movie holds: the reset frame, the no-op frames, ``frame_skip`` a step."""
    steps: int
    progress: float | None
    done_reason: str | None
    forfeit: str | None = None
    traceback: str | None = None
    """The agent's full traceback when it forfeited by raising (shown by ``arena --debug``)."""
    reward_terms: list[dict[str, float]] = field(default_factory=list)
    movie: str | None = None
    seconds: float = 0.0
    protocol: dict[str, Any] = field(default_factory=dict)
    """The evaluation protocol it was played under (sticky, noop_max)."""
    noops: int = 0
    """No-op frames the protocol drew after the reset."""
    digest: str = ""
    """A fingerprint of the played episode (frames, returns, the game's RAM at the end): equal
    digests are the same episode, whatever the seed."""
    gains: list[float] = field(default_factory=list)
    """Each player's positive rewards summed: the points it scored, where its reward is a score
    differential (Pong, Fishing Derby)."""

    @property
    def episode_return(self) -> float:
        return self.returns[0]


class InvalidAction(ValueError):
    """An agent returned something that is not an action of its action space."""


def checked_action(action: Any, n_actions: int) -> int:
    if isinstance(action, bool) or not isinstance(action, int | np.integer):
        raise InvalidAction(f"returned {action!r}, not an action index")
    if not 0 <= int(action) < n_actions:
        raise InvalidAction(f"returned action {int(action)} outside 0..{n_actions - 1}")
    return int(action)


def play_episode(
    env: ArenaEnv, agents: Sequence[Agent], seed: int, movie: Path | None = None
) -> EpisodeResult:
    """Play one episode, one agent per player, recording it to ``movie`` when given."""
    started = time.perf_counter()
    observation, info = env.reset(seed=seed, options={"movie": movie} if movie else None)
    states: list[AgentState] = [agent.reset(seed + 10_007 * p) for p, agent in enumerate(agents)]
    n_actions = len(env.profile.actions)
    gains = [0.0] * env.players
    forfeit, trace = None, None
    while True:
        views = (observation,) if env.players == 1 else observation  # one per player
        actions = []
        for player, agent in enumerate(agents):
            try:
                action, states[player] = agent.act(views[player], info, states[player])
                actions.append(checked_action(action, n_actions))
            except Exception as exc:  # any agent failure forfeits the episode, not the run
                who = f"player {player + 1} " if len(agents) > 1 else ""
                what = (
                    str(exc) if isinstance(exc, InvalidAction) else f"{type(exc).__name__}: {exc}"
                )
                forfeit = who + what
                if not isinstance(exc, InvalidAction):
                    trace = "".join(traceback.format_exception(exc))
                break
        if forfeit:
            break
        observation, _, terminated, truncated, info = env.step(
            actions[0] if len(agents) == 1 else actions
        )
        for player, reward in enumerate(info["rewards"]):
            gains[player] += max(reward, 0.0)
        if terminated or truncated:
            break
    env.emulator.stop_movie()
    return episode_result(
        env, seed, time.perf_counter() - started, None if forfeit else info.get("done_reason"),
        gains, forfeit, trace,
    )  # fmt: skip


def episode_result(
    env: ArenaEnv,
    seed: int,
    seconds: float,
    done_reason: str | None,
    gains: list[float],
    forfeit: str | None = None,
    trace: str | None = None,
) -> EpisodeResult:
    """The result of the episode ``env`` has played (its movie stopped), however it was
    played: a step at a time by agents, or a frame at a time by a person."""
    fingerprint = hashlib.sha1(json.dumps([env.frame, env.returns]).encode())
    for _, block in sorted(env.emulator.memory.blocks.items()):  # the game's RAM at the end
        fingerprint.update(block)
    return EpisodeResult(
        agent="",
        profile=env.profile.name,
        state=env.state.name,
        episode=0,
        seed=seed,
        returns=list(env.returns),
        frames=env.frame,
        steps=env.steps,
        progress=env.rules.best_progress,
        done_reason=done_reason,
        forfeit=forfeit,
        traceback=trace,
        reward_terms=[dict(t) for t in env.rules.term_totals],
        seconds=seconds,
        protocol=env.protocol.as_dict(),
        noops=env.noops,
        digest=fingerprint.hexdigest(),
        gains=gains,
    )


@dataclass
class RunConfig:
    """What ``arena run`` was asked to do."""

    agent: str
    episodes: int
    seed: int
    record: Path | None = None
    results: Path | None = None
    checkpoint: Path | None = None
    options: dict[str, str] = field(default_factory=dict)
    tag: str = ""
    """Added to movie names, e.g. a generation number."""
    agent_name: str = ""
    """The registered agent, when ``agent`` is an entry's label."""


def record_episode(
    env: ArenaEnv, agents: Sequence[Agent], config: RunConfig, episode: int
) -> EpisodeResult:
    """Play episode number ``episode`` (seed ``config.seed + episode``); with ``config.record``,
    write its .bk2 (renamed into place once whole) and sidecar."""
    seed = config.seed + episode
    paths = movie_paths(env, config, seed)
    movie = paths[0] if paths else None
    try:
        result = play_episode(env, agents, seed, movie)
        result.agent, result.episode = config.agent, episode
        if paths:  # inside the try: a Ctrl-C or SIGTERM while it commits leaves no partial
            commit_recording(env, result, config, *paths)
    except BaseException:
        discard_recording(env, movie)
        raise
    return result


def movie_paths(env: ArenaEnv, config: RunConfig, seed: int) -> tuple[Path, Path] | None:
    """Where an episode of ``seed`` is recorded while it plays, and its name once whole
    (None: ``config`` records nothing)."""
    if not config.record:
        return None
    config.record.mkdir(parents=True, exist_ok=True)
    tag = f"-{config.tag}" if config.tag else ""
    cheats = "".join(f"-{name}" for name in env.protocol.cheats)
    stem = f"{env.profile.name}-{env.state.name}{cheats}-{config.agent}{tag}-seed{seed}"
    # Its own partial name: two workers may record episodes of one name at once.
    return config.record / f".{stem}.{os.getpid()}.part.bk2", config.record / f"{stem}.bk2"


def discard_recording(env: ArenaEnv, movie: Path | None) -> None:
    """Stop and delete an episode's partial movie: a recording is committed whole or not."""
    if movie:
        env.emulator.stop_movie()
        movie.unlink(missing_ok=True)


def commit_recording(
    env: ArenaEnv,
    result: EpisodeResult,
    config: RunConfig,
    movie: Path,
    final: Path,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Rename the played episode's movie into place with its sidecar (``result.movie`` then
    names it); ``extra`` adds to the sidecar (a live game's edits)."""
    rom_sha1 = integrations.rom_sha1(env.emulator.rom)

    def sidecar(path: Path) -> dict[str, Any]:
        result.movie = path.name  # the sidecar lies beside its movie
        return {**_sidecar(env, result, config, rom_sha1, path.parent), **(extra or {})}

    result.movie = str(commit_movie(movie, final, sidecar))


def run_episodes(
    env: ArenaEnv,
    agents: Sequence[Agent],
    config: RunConfig,
    on_episode: Callable[[EpisodeResult], None] | None = None,
) -> list[EpisodeResult]:
    """Play ``config.episodes`` episodes (seeds ``seed``, ``seed + 1``...), recording each and
    appending its result to the results file (default ``record/results.jsonl``)."""
    if config.record:  # checked before the first episode, not after it
        output_folder(config.record, "--record")
    results_file = config.results or (config.record / "results.jsonl" if config.record else None)
    if results_file:
        output_file(results_file, "--results")
    results = []
    for episode in range(config.episodes):
        result = record_episode(env, agents, config, episode)
        if results_file:
            line = asdict(result)
            if result.movie is not None:
                line["movie"] = name_in(results_file.parent, result.movie)
            append_line(results_file, json.dumps(line))
        results.append(result)
        if on_episode:
            on_episode(result)
    return results


def _sidecar(
    env: ArenaEnv, result: EpisodeResult, config: RunConfig, rom_sha1: str, folder: Path
) -> dict[str, Any]:
    profile = env.profile
    return {
        **asdict(result),
        "game": profile.game,
        "players": env.players,
        "profile_digest": profile.digest,
        "profile_source": name_in(folder, profile.source),  # relative: the folder may move
        "frame_skip": profile.frame_skip,
        "max_frames": profile.max_frames,
        "rom_sha1": rom_sha1,
        "state_sha256": env.state_sha256,
        "agent_name": config.agent_name or config.agent,
        "checkpoint": str(config.checkpoint) if config.checkpoint else None,
        "agent_options": config.options,
        "versions": package_versions(),
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
