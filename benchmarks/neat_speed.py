"""Emulated frames per second of one NEAT generation: the arena against the tutorials' pattern.

Both evaluate the same first generation (population 50, same neat config and seed, inputs the
8x-downscaled gray screen) on Super Mario Bros 1-1 with up to 2,000 frames per genome and
2 worker processes.

- tutorial: the pattern of the popular gym-retro NEAT tutorials: a new env per genome, one
  ``env.step`` and one ``net.activate`` per emulated frame, genomes farmed out to a process
  pool exactly as ``neat.ParallelEvaluator`` does (``apply_async`` per genome)
- arena: ``arena train neat-ff`` (persistent workers, one emulator each across genomes, the
  network activated once per agent step of 4 frames)

Target (issue #3): arena >= 2x tutorial.

    python benchmarks/neat_speed.py [--pop 50]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import neat
import numpy as np
import stable_retro

from arena import integrations
from arena.plugins.neat_agents.config import build_config, parse_config_text

GAME, STATE = "SuperMarioBros-Nes-v0", "Level1-1"
MAX_FRAMES = 2000


FRAMES = multiprocessing.Value("q", 0)  # forked ParallelEvaluator workers inherit it
TUTORIAL_CONFIG: neat.Config | None = None


def tutorial_eval_genome(genome: neat.DefaultGenome, config: neat.Config) -> float:
    """One genome as the tutorials' ``Worker.work()`` plays it: a new env, then one
    ``env.step`` and one ``net.activate`` per frame, until done, 250 frames without a better
    fitness, or the frame budget."""
    integrations.use_rom_store()
    env = stable_retro.make(
        GAME, state=STATE, render_mode=None, inttype=stable_retro.data.Integrations.ALL
    )
    observation, _ = env.reset()
    height, width = observation.shape[0] // 8, observation.shape[1] // 8
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    fitness = best_fitness = 0.0
    frames = stale = x_best = 0
    done = False
    while not done and frames < MAX_FRAMES:
        small = cv2.cvtColor(cv2.resize(observation, (width, height)), cv2.COLOR_RGB2GRAY)
        outputs = net.activate(np.ndarray.flatten(small))
        observation, reward, terminated, truncated, info = env.step(np.array(outputs) > 0.5)
        frames += 1
        x = info["xscrollHi"] * 256 + info["xscrollLo"]
        if x > x_best:
            fitness, x_best = fitness + 1, x
        fitness += reward
        if fitness > best_fitness:
            best_fitness, stale = fitness, 0
        else:
            stale += 1
        done = terminated or truncated or stale == 250
    env.close()
    with FRAMES.get_lock():
        FRAMES.value += frames
    return fitness


def measure_tutorial(pop: int) -> float:
    text = build_config("neat-ff", None, {"NEAT.pop_size": str(pop)}, 28 * 30, 9).text
    config = parse_config_text(text)
    population = neat.Population(config, seed=0)
    evaluator = neat.ParallelEvaluator(2, tutorial_eval_genome)
    evaluator.pool.map(time.sleep, [0.5, 0.5], chunksize=1)  # workers started, as in arena
    started = time.perf_counter()
    evaluator.evaluate(list(population.population.items()), config)
    elapsed = time.perf_counter() - started
    evaluator.pool.close()
    return FRAMES.value / elapsed


def measure_arena(pop: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "arena.cli",
                "train",
                "neat-ff",
                "--game",
                "mario",
                "--generations",
                "1",
                "--pop",
                str(pop),
                "--workers",
                "2",
                "--max-frames",
                str(MAX_FRAMES),
                "--no-record",
                "--out",
                out,
            ],
            check=True,
            capture_output=True,
        )
        with (Path(out) / "stats.csv").open() as fh:
            return float(next(csv.DictReader(fh))["frames_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pop", type=int, default=50)
    args = parser.parse_args()
    tutorial = measure_tutorial(args.pop)
    arena = measure_arena(args.pop)
    print(f"tutorial pattern {tutorial:>8,.0f} frames/s")
    print(f"arena            {arena:>8,.0f} frames/s")
    print(f"arena / tutorial = {arena / tutorial:.2f}x   (target >= 2x)")


if __name__ == "__main__":
    main()
