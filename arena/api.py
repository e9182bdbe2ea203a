"""One-line environments: Gymnasium for any state, PettingZoo for 2-player states.

    env = arena.make("mario", state="Level1-1")             # a gymnasium.Env
    env = gymnasium.make("retro_arena/mario-v0")             # the same, registered
    env = arena.parallel_env("pong", state="Start.2P")      # a pettingzoo.ParallelEnv

Importing this module registers every built-in profile with Gymnasium as
``retro_arena/GAME-v0`` (``import arena`` does it too when Gymnasium is already imported).
One emulator per process is stable-retro's rule: close an env before making the next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from arena.core.errors import CallOrderError
from arena.core.protocol import Protocol
from arena.gym_ids import register_builtin_games
from arena.host.manager import default_host
from arena.play.env import ArenaEnv
from arena.profiles.loading import Profile


def load(game: str | Path | Profile) -> Profile:
    """A profile by registered name (plugins' games too), by .yaml path, or as given."""
    if isinstance(game, Profile):
        return game
    return default_host().profile(str(game))


def make(
    game: str | Path | Profile,
    state: str | None = None,
    *,
    sticky: float = 0.0,
    noop_max: int = 0,
    protocol: Protocol | None = None,
    max_frames: int | None = None,
    render_mode: str | None = "rgb_array",
    **observation: Any,
) -> ArenaEnv:
    """The Gymnasium env of ``game`` (a name, a profile .yaml path or a Profile).

    ``sticky``/``noop_max`` set the evaluation protocol (Machado et al. 2018; default off, as
    for training), or ``protocol`` gives it whole; ``max_frames`` overrides the time limit;
    any other keyword changes the observation (``grayscale``, ``resize``, ``crop``,
    ``frame_stack``, ``max_pool``, ``inputs``: a plugin's observation builder).
    """
    profile = load(game).with_time_limit(max_frames)
    if render_mode not in (None, "rgb_array"):
        raise ValueError(f"render_mode {render_mode!r}: only 'rgb_array' is supported")
    if protocol is None:
        for key, problem in Protocol.problems_of(sticky, noop_max):
            raise ValueError(f"{key} {problem}")
        protocol = Protocol(sticky, noop_max)
    elif sticky or noop_max:
        raise ValueError("give protocol or sticky/noop_max, not both")
    host = default_host()
    return ArenaEnv(profile, state, protocol=protocol, builders=host.observations, **observation)


def parallel_env(
    game: str | Path | Profile, state: str | None = None, **options: Any
) -> ArenaParallelEnv:
    """The PettingZoo ParallelEnv of a 2-player state (``make``'s options apply)."""
    return ArenaParallelEnv(make(game, state, **options))


class ArenaParallelEnv(ParallelEnv[str, np.ndarray, int]):
    """A 2-player ArenaEnv as PettingZoo's ParallelEnv: agents ``player_1`` and ``player_2``
    act at once each step; each gets its own observation, reward and ``info``."""

    metadata = {"render_modes": ["rgb_array"], "name": "retro_arena_v0"}  # noqa: RUF012

    def __init__(self, env: ArenaEnv) -> None:
        if env.players != 2:
            env.close()
            raise ValueError(
                f"state {env.state.name!r} of {env.profile.name!r} is for {env.players} "
                "player(s); a ParallelEnv needs a 2-player state"
                + "".join(
                    f" (try state={s.name!r})"
                    for s in env.profile.states.values()
                    if s.players == 2
                )[:80]
            )
        self.env = env
        self.possible_agents = ["player_1", "player_2"]
        self.agents: list[str] = []
        self.render_mode = "rgb_array"
        spaces = env.observation_space
        assert isinstance(spaces, gymnasium.spaces.Tuple)
        self.observation_spaces = dict(zip(self.possible_agents, spaces.spaces, strict=True))
        self.action_spaces = {a: env.action_space for a in self.possible_agents}

    def observation_space(self, agent: str) -> gymnasium.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.Space:
        return self.action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        observations, info = self.env.reset(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        return dict(zip(self.agents, observations, strict=True)), {
            a: dict(info) for a in self.agents
        }

    def step(
        self, actions: dict[str, int]
    ) -> tuple[
        dict[str, np.ndarray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        if not self.agents:
            raise CallOrderError(
                "step() after the episode ended (no agents left)", "call env.reset() first"
            )
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no action for {', '.join(missing)}")
        observations, _, terminated, truncated, info = self.env.step(
            [actions[a] for a in self.possible_agents]
        )
        agents = self.agents
        rewards = info["rewards"]
        result = (
            dict(zip(agents, observations, strict=True)),
            {a: float(r) for a, r in zip(agents, rewards, strict=True)},
            dict.fromkeys(agents, bool(terminated)),
            dict.fromkeys(agents, bool(truncated)),
            {a: dict(info) for a in agents},
        )
        if terminated or truncated:
            self.agents = []
        return result

    def render(self) -> np.ndarray:
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    def state(self) -> np.ndarray:
        return self.env.render()


register_builtin_games()
