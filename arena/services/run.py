"""``arena run``: one agent plays episodes of a game, each recorded as a .bk2 when asked."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from arena.core.errors import UsageError
from arena.core.locks import folder_lock
from arena.core.protocol import EVALUATION, ProtocolOptions
from arena.host.entries import AgentSpec
from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.play.runner import EpisodeResult, RunConfig, run_episodes
from arena.profiles.loading import Profile


@dataclass(frozen=True)
class RunRequest:
    """What ``arena run`` is asked: the game, the entry, how many episodes from which seed,
    where to record, and the protocol's options (resolved here, on the command's default)."""

    game: str
    entry: AgentSpec
    state: str | None = None
    episodes: int = 1
    seed: int = 0
    record: Path | None = None
    results: Path | None = None
    max_frames: int | None = None
    sample: bool = False
    """Sample a stochastic policy's actions (default: greedy)."""
    inputs: str | None = None
    """What the agent sees: the screen or inputs the profile offers (None: its checkpoint's)."""
    protocol: ProtocolOptions = field(default_factory=ProtocolOptions)


@dataclass(frozen=True)
class RunStart:
    """Told once the env and the agents are built, before the first episode."""

    profile: Profile
    state: str
    players: int
    protocol: str
    """The protocol in words (:meth:`arena.core.protocol.Protocol.describe`)."""


class RunProgress(Protocol):
    """Where ``run`` reports: a terminal's progress bar, a web page."""

    def started(self, start: RunStart) -> None: ...

    def played(self, result: EpisodeResult) -> None: ...


def run(host: PluginHost, request: RunRequest, progress: RunProgress) -> list[EpisodeResult]:
    """Play ``request.episodes`` episodes (seeds ``seed``, ``seed + 1``...); every check that
    can fail does so before the emulator starts."""
    profile = host.profile(request.game).with_time_limit(request.max_frames)
    start = profile.state(request.state)
    spec = request.entry
    entry = host.resolve(spec)  # every check of the entry, before the emulator starts
    refusal = entry.cannot_play(profile)
    if refusal:
        raise UsageError(refusal, "see `arena plugins`")
    checkpoint = spec.checkpoint_path
    protocol = request.protocol.resolve(EVALUATION)
    observation = dict(entry.observation)
    if request.inputs is not None:
        trained = observation.get("inputs", request.inputs)
        if trained != request.inputs:
            raise UsageError(
                f"{checkpoint} was trained on inputs {trained!r}; "
                f"--inputs {request.inputs} asks for others",
                f"drop --inputs, or give a checkpoint trained on {request.inputs}",
            )
        observation = {**observation, "inputs": request.inputs}
    builders = host.observations
    env = ArenaEnv(profile, start.name, protocol=protocol, builders=builders, **observation)
    try:
        agents = host.build_players(entry, env, request.seed, greedy=not request.sample)
        config = RunConfig(
            spec.name,
            request.episodes,
            request.seed,
            request.record,
            request.results,
            checkpoint,
            dict(spec.options),
        )
        progress.started(RunStart(profile, start.name, env.players, env.protocol.describe()))
        record = request.record
        with folder_lock(record, "--record") if record else contextlib.nullcontext():
            return run_episodes(env, agents, config, progress.played)
    finally:
        env.close()
