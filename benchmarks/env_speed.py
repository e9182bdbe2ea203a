"""Emulated frames per second of the arena's env against two references, in one run.

All three play Super Mario Bros 1-1 with random actions from the same 7-action set:

- arena:     ArenaEnv (frame skip 4 with max-pool, 84x84 gray, stack of 4, profile rules)
- wrappers:  the usual Python stack on stable-retro's RetroEnv.step with the same settings:
             a Discretizer action wrapper, Gymnasium's MaxAndSkipObservation, an SB3-style
             WarpFrame (OpenCV gray + INTER_AREA resize, much faster than Gymnasium's numpy
             GrayscaleObservation) and Gymnasium's FrameStackObservation
- emulator:  the bare emulator, one ``em.step()`` per frame with random buttons, nothing else

stable-retro allows one emulator per process, so the three are measured one after another,
in alternating rounds; the median of the rounds is reported. Targets (issue #2): arena >= 1.5x
wrappers and >= 0.8x emulator.

    python benchmarks/env_speed.py [--frames 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import cv2
import gymnasium as gym
import numpy as np
import stable_retro

from arena import integrations
from arena.emulator import Emulator
from arena.env import ArenaEnv
from arena.plugin_manager import PluginHost


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


def play_random(env: gym.Env, frame_skip: int, frames: int, rng: np.random.Generator) -> float:
    """Emulated frames per second of ``env`` under random actions, resets included."""
    env.reset(seed=0)
    done_frames, started = 0, time.perf_counter()
    while done_frames < frames:
        *_, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        done_frames += frame_skip
        if terminated or truncated:
            env.reset()
    elapsed = time.perf_counter() - started
    env.close()
    return done_frames / elapsed


def measure_arena(profile, frames: int, rng: np.random.Generator) -> float:
    env = ArenaEnv(profile)
    return play_random(env, profile.frame_skip, frames, rng)


def measure_wrappers(profile, frames: int, rng: np.random.Generator) -> float:
    integrations.use_rom_store()
    env = stable_retro.make(
        profile.game, state="Level1-1", render_mode=None, inttype=stable_retro.data.Integrations.ALL
    )
    env = Discretizer(env, list(profile.actions.values()))
    env = gym.wrappers.MaxAndSkipObservation(env, skip=profile.frame_skip)
    env = WarpFrame(env)
    env = gym.wrappers.FrameStackObservation(env, 4)
    return play_random(env, profile.frame_skip, frames, rng)


def measure_emulator(profile, frames: int, rng: np.random.Generator) -> float:
    emulator = Emulator(profile.game)
    emulator.load_state(integrations.read_state(profile.game, "Level1-1"))
    masks = [emulator.button_masks(combo) for combo in profile.actions.values()]
    started = time.perf_counter()
    for _ in range(frames):
        emulator.step(masks[int(rng.integers(len(masks)))])
    elapsed = time.perf_counter() - started
    emulator.close()
    return frames / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    profile = PluginHost().profile("mario")
    runs = {"arena": measure_arena, "wrappers": measure_wrappers, "emulator": measure_emulator}
    results: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(args.rounds):
        for name, measure in runs.items():
            results[name].append(measure(profile, args.frames, np.random.default_rng(round_)))
            gc.collect()
    fps = {name: statistics.median(values) for name, values in results.items()}
    for name, value in fps.items():
        rounds = ", ".join(f"{v:,.0f}" for v in results[name])
        print(f"{name:<9} {value:>8,.0f} frames/s   (rounds: {rounds})")
    print(f"arena / wrappers = {fps['arena'] / fps['wrappers']:.2f}x   (target >= 1.5x)")
    print(f"arena / emulator = {fps['arena'] / fps['emulator']:.2f}x   (target >= 0.8x)")


if __name__ == "__main__":
    main()
