"""The arena's environment: a Gymnasium env built from a game profile.

One agent step presses the chosen action's buttons for ``frame_skip`` emulated frames, reads the
screen only on the frames the observation uses, then evaluates the profile's rules on RAM. A
reset loads the state and emulates one frame with no button pressed, so a recorded movie holds
``1 + steps * frame_skip`` frames.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from arena import integrations
from arena.emulator import Emulator, ram_layout
from arena.observation import FramePipeline
from arena.profiles import ObservationSpec, Profile
from arena.rules import RuleEngine


@dataclass(frozen=True)
class EnvSpec:
    """What an agent is told about the game it is about to play."""

    profile: str
    game: str
    state: str
    players: int
    observation_shape: tuple[int, ...]
    action_names: tuple[str, ...]
    frame_skip: int

    @property
    def n_actions(self) -> int:
        return len(self.action_names)


class ArenaEnv(gym.Env[np.ndarray, Any]):
    """A Gymnasium env for one profile and state; one per process (one emulator each).

    For 2-player states ``step`` takes one action per player; ``reward`` is player 1's and
    ``info["rewards"]`` holds every player's. ``reset(options={"movie": path})`` records the
    episode as a .bk2 at ``path``.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"]}  # noqa: RUF012 (gymnasium's API)
    action_space: gym.spaces.Discrete

    def __init__(
        self,
        profile: Profile,
        state: str | None = None,
        observation: ObservationSpec | None = None,
        **observation_overrides: Any,
    ) -> None:
        self.profile = profile
        self.state = profile.state(state)
        self.players = self.state.players
        self._state_bytes = integrations.read_state(profile.game, self.state.name)
        self.emulator = Emulator(profile.game, self.players, profile.name)
        self._layout = ram_layout(profile.game, profile.ram)
        self._masks = [  # [player][action] -> one button mask per controller
            [
                self.emulator.button_masks(combo, player)
                for combo in profile.player_actions(player).values()
            ]
            for player in range(self.players)
        ]
        self.rules = RuleEngine(profile, self.state)
        self.emulator.load_state(self._state_bytes)
        self.emulator.idle()
        spec = replace(observation or profile.observation, **observation_overrides)
        self.pipeline = FramePipeline(spec, self.emulator.screen().shape)
        self.action_space = gym.spaces.Discrete(len(profile.actions))
        self.observation_space = gym.spaces.Box(0, 255, self.pipeline.shape, np.uint8)
        self.render_mode = "rgb_array"
        self.frame = 0
        self.steps = 0
        self.returns = [0.0] * self.players

    @property
    def spec_for_agents(self) -> EnvSpec:
        return EnvSpec(
            profile=self.profile.name,
            game=self.profile.game,
            state=self.state.name,
            players=self.players,
            observation_shape=self.pipeline.shape,
            action_names=tuple(self.profile.actions),
            frame_skip=self.profile.frame_skip,
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.emulator.stop_movie()
        self.emulator.load_state(self._state_bytes)
        if options and options.get("movie"):
            self.emulator.start_movie(Path(options["movie"]), self._state_bytes)
        self.emulator.idle()
        self.frame, self.steps = 1, 0
        self.returns = [0.0] * self.players
        self.rules.reset(self.emulator.read_ram(self._layout))
        return self.pipeline.reset(self.emulator.screen()), self._info(None)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        actions = (action,) if self.players == 1 else tuple(action)
        if len(actions) != self.players:
            raise ValueError(f"expected {self.players} actions (one per player), got {action!r}")
        n_actions = self.action_space.n
        for a in actions:
            if not (isinstance(a, int | np.integer) and 0 <= a < n_actions):
                raise ValueError(f"action {a!r} is outside Discrete({n_actions})")
        masks = self._masks[0][int(actions[0])]
        if self.players == 2:
            masks = masks | self._masks[1][int(actions[1])]
        emulator, skip = self.emulator, self.profile.frame_skip
        first_screen = skip - self.pipeline.screens_needed
        screens = []
        for i in range(skip):
            emulator.step(masks)
            if i >= first_screen:
                screens.append(emulator.screen())
        self.frame += skip
        self.steps += 1
        outcome = self.rules.step(emulator.read_ram(self._layout), self.frame, self.steps)
        for player, reward in enumerate(outcome.rewards):
            self.returns[player] += reward
        truncated = outcome.done_reason == "time_limit"
        terminated = outcome.done_reason is not None and not truncated
        info = self._info(outcome.done_reason)
        info["rewards"] = outcome.rewards
        return self.pipeline.push(screens), outcome.rewards[0], terminated, truncated, info

    def _info(self, done_reason: str | None) -> dict[str, Any]:
        info: dict[str, Any] = dict(self.rules.values)
        info["returns"] = list(self.returns)
        info["progress"] = self.rules.best_progress
        info["done_reason"] = done_reason
        return info

    def render(self) -> np.ndarray:
        return self.emulator.screen()

    def close(self) -> None:
        self.emulator.close()
        super().close()
