"""Emulated frames per second of the arena's env against two references, side by side.

All three play the same frames of Super Mario Bros 1-1: the same random actions (drawn once
per round, one per agent step of 4 frames, from the profile's 7-action set), back to the
level's start at the same steps (where the arena's episodes end: an untimed run of the arena
finds them; how fast a console emulates a frame depends on what is on screen):

- emulator:  bare stable-retro, written as its users write a frame-skip loop on the emulator
             (``env.unwrapped.em``): ``set_button_mask`` and ``step`` for each of 4 frames,
             nothing read back, ``set_state`` at the episode ends. The floor of what any env
             can cost; nothing can beat it.
- arena:     ArenaEnv (frame skip 4 with max-pool, 84x84 gray, stack of 4, the profile's
             rules, resets when an episode ends)
- tiles:     ArenaEnv with ``inputs="tiles"`` (MarI/O's 13x13 grid read from RAM, no screen)
- wrappers:  the usual Python stack on stable-retro's RetroEnv with the same settings: a
             Discretizer, Gymnasium's MaxAndSkipObservation, SB3's WarpFrame (OpenCV gray,
             INTER_AREA resize) and Gymnasium's FrameStackObservation

stable-retro allows one emulator per process, so each contender builds its env, plays a short
warm-up, times the same number of frames, and closes; the order rotates round by round.
Targets: arena >= 0.9x emulator and >= 1.5x wrappers (issue #13); the tile view costs at most
10% of the screen pipeline's frames/s, tiles >= 0.9x arena (issue #12).

    python benchmarks/env_speed.py [--frames 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse

import cv2
import gymnasium as gym
import numpy as np
import stable_retro
from timing import Span, alternate, report

from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.retro import integrations

STATE, FRAME_SKIP, WARM_UP = "Level1-1", 4, 50


class Discretizer(gym.ActionWrapper):
    """The usual retro discretizer: action index -> MultiBinary button array."""

    def __init__(self, env: gym.Env, combos: list[tuple[str, ...]]) -> None:
        super().__init__(env)
        buttons = env.unwrapped.buttons
        self._arrays = []
        for combo in combos:
            array = np.zeros(len(buttons), np.int8)
            for button in combo:
                array[buttons.index(button)] = 1
            self._arrays.append(array)
        self.action_space = gym.spaces.Discrete(len(combos))

    def action(self, action: int) -> np.ndarray:
        return self._arrays[action].copy()


class WarpFrame(gym.ObservationWrapper):
    """SB3's WarpFrame: OpenCV grayscale, then an INTER_AREA resize to 84x84."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.observation_space = gym.spaces.Box(0, 255, (84, 84), np.uint8)

    def observation(self, frame: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        return cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)


def retro_env(game: str) -> gym.Env:
    integrations.use_rom_store()
    return stable_retro.make(
        game, state=STATE, render_mode=None, inttype=stable_retro.data.Integrations.ALL
    )


def actions_of_round(round_: int, frames: int) -> list[int]:
    steps = WARM_UP + frames // FRAME_SKIP
    return np.random.default_rng(round_).integers(7, size=steps).tolist()


def episode_ends(profile, actions: list[int]) -> set[int]:
    """The steps after which the arena's episodes end under ``actions`` (deterministic)."""
    env, ends = ArenaEnv(profile, STATE), set()
    env.reset(seed=0)
    for step, action in enumerate(actions):
        *_, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            ends.add(step)
            env.reset()
    env.close()
    return ends


def play(env: gym.Env, actions: list[int], ends: set[int]) -> Span:
    """Warm up, then time the rest of ``actions``, resetting after the steps in ``ends``."""
    env.reset(seed=0)
    for step, action in enumerate(actions[:WARM_UP]):
        env.step(action)
        if step in ends:
            env.reset()
    span = Span(len(actions[WARM_UP:]) * FRAME_SKIP)
    with span:
        for step, action in enumerate(actions[WARM_UP:], WARM_UP):
            env.step(action)
            if step in ends:
                env.reset()
    env.close()
    return span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    host = PluginHost()
    profile = host.profile("mario")
    combos = list(profile.actions.values())

    rounds = [actions_of_round(r, args.frames) for r in range(args.rounds)]
    ends = [episode_ends(profile, actions) for actions in rounds]

    def emulator(round_: int) -> Span:
        env = retro_env(profile.game)
        em, buttons = env.unwrapped.em, env.unwrapped.buttons
        masks = [np.array([b in combo for b in buttons], np.uint8) for combo in combos]
        env.reset()
        start = em.get_state()

        def steps(numbered: list[tuple[int, int]]) -> None:
            for step, action in numbered:
                for _ in range(FRAME_SKIP):
                    em.set_button_mask(masks[action], 0)
                    em.step()
                if step in ends[round_]:
                    em.set_state(start)

        numbered = list(enumerate(rounds[round_]))
        steps(numbered[:WARM_UP])
        span = Span(len(numbered[WARM_UP:]) * FRAME_SKIP)
        with span:
            steps(numbered[WARM_UP:])
        env.close()
        return span

    def arena(round_: int) -> Span:
        return play(ArenaEnv(profile, STATE), rounds[round_], ends[round_])

    def tiles(round_: int) -> Span:
        env = ArenaEnv(profile, STATE, inputs="tiles", builders=host.observations)
        return play(env, rounds[round_], ends[round_])

    def wrappers(round_: int) -> Span:
        env: gym.Env = Discretizer(retro_env(profile.game), combos)
        env = gym.wrappers.MaxAndSkipObservation(env, skip=FRAME_SKIP)
        env = WarpFrame(env)
        env = gym.wrappers.FrameStackObservation(env, 4)
        return play(env, rounds[round_], ends[round_])

    contenders = {"emulator": emulator, "arena": arena, "tiles": tiles, "wrappers": wrappers}
    spans = alternate(contenders, args.rounds)
    report(
        spans,
        "frames",
        [
            ("arena", "emulator", ">= 0.9x"),
            ("arena", "wrappers", ">= 1.5x"),
            ("tiles", "arena", ">= 0.9x"),
        ],
    )


if __name__ == "__main__":
    main()
