"""Emulated frames per second of one NEAT generation: the arena against the tutorials' pattern.

Both evaluate the same first generation (population 50, same neat config and seed, inputs the
8x-downscaled gray screen) on Super Mario Bros 1-1 with up to 2,000 frames per genome, on
2 worker processes started before the clock starts:

- tutorial: the pattern of the popular gym-retro NEAT tutorials, as they write it: a new env
  per genome, one ``env.step`` and one ``net.activate`` per emulated frame, genomes farmed out
  by ``neat.ParallelEvaluator``
- arena: what ``arena train neat-ff`` runs for a generation: the arena's worker pool, each
  worker keeping one emulator across genomes, the network activated once per agent step of
  4 frames

- ray: the same arena workers' tasks on a local Ray instance with 2 CPUs (``arena train
  neat-ff --backend ray``), Ray started before the clock starts

All are timed the same way here (wall and CPU clocks around the generation's evaluation) and
alternate round by round. Targets: arena >= 2x tutorial (issue #3); ray >= 0.8x arena
(issue #12).

    python benchmarks/neat_speed.py [--pop 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import time

import cv2
import neat
import numpy as np
import stable_retro
from timing import Span, alternate, report

from arena import EnvSetup
from arena.core.protocol import TRAINING
from arena.core.workers import RayPool, WorkerPool
from arena.host.manager import PluginHost
from arena.plugins.neat_agents.agent import screen_observation
from arena.plugins.neat_agents.config import build_config, parse_config_text
from arena.plugins.neat_agents.evolve import NeatWorker, WorkerSetup
from arena.retro import integrations

GAME, STATE = "SuperMarioBros-Nes-v0", "Level1-1"
MAX_FRAMES, WORKERS = 2000, 2
FRAMES = multiprocessing.Value("q", 0)


def tutorial_eval_genome(genome: neat.DefaultGenome, config: neat.Config) -> float:
    """The tutorials' evaluation: a fresh env, a network step per frame, a stall counter."""
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


def generation(agent: str, pop: int, inputs: int, outputs: int) -> tuple[str, neat.Population]:
    text = build_config(agent, None, {"NEAT.pop_size": str(pop)}, inputs, outputs).text
    return text, neat.Population(parse_config_text(text), seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pop", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    profile = PluginHost().profile("mario")

    def tutorial(_round: int) -> Span:
        _, population = generation("neat-ff", args.pop, 28 * 30, 9)
        evaluator = neat.ParallelEvaluator(WORKERS, tutorial_eval_genome)
        evaluator.pool.map(time.sleep, [0.5] * WORKERS, chunksize=1)  # workers started
        FRAMES.value = 0
        span = Span(0)
        with span, contextlib.redirect_stderr(io.StringIO()):  # neat-python's progress bar
            evaluator.evaluate(list(population.population.items()), population.config)
        span.work = FRAMES.value
        evaluator.pool.close()
        evaluator.pool.join()
        return span

    def arena_generation() -> tuple[NeatWorker, neat.Population]:
        """The arena's worker and the first generation, as ``arena train neat-ff`` makes them."""
        observation = screen_observation((224, 240, 3), None, 8)
        text, population = generation("neat-ff", args.pop, 28 * 30, len(profile.actions))
        env = EnvSetup(profile.source, profile.name, STATE, MAX_FRAMES, observation, TRAINING)
        setup = WorkerSetup("neat-ff", False, env, text)
        return NeatWorker(setup), population

    def arena(_round: int) -> Span:
        worker, population = arena_generation()
        pool = WorkerPool([worker] * WORKERS, "NEAT worker")  # returns once ready
        return evaluate(pool, population)

    def ray(_round: int) -> Span:
        worker, population = arena_generation()
        pool = RayPool(worker, WORKERS)
        warm = list(population.population.items())[:WORKERS]  # Ray's workers and emulators up
        pool.run(warm, lambda *_: None)
        return evaluate(pool, population)

    def evaluate(pool: WorkerPool | RayPool, population: neat.Population) -> Span:
        span = Span(0)

        def count(_task: object, ok: bool, payload: tuple) -> None:
            assert ok, payload
            span.work += payload[2]  # the genome's frames

        with span:
            pool.run(list(population.population.items()), count)
        pool.close()
        return span

    spans = alternate({"tutorial": tutorial, "arena": arena, "ray": ray}, args.rounds)
    report(spans, "frames", [("arena", "tutorial", ">= 2x"), ("ray", "arena", ">= 0.8x")])


if __name__ == "__main__":
    main()
