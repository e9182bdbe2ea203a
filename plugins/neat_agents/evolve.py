"""Evolving NEAT networks on a game profile. ``eval_genomes`` is the heart, as in
neat-python's examples; the rest is bookkeeping a long run needs.

Genomes are evaluated in persistent worker processes, each keeping one emulator alive across
genomes (stable-retro allows one per process); the network is activated once per agent step.
Fitness is the profile's episode return; with ``--curriculum`` a genome plays the run's state
and each of the curriculum's starts, and its fitness is the sum of its returns (the run's state
is the one it is judged from: its progress there is the curve's, its movie the generation's).
After every generation the arena writes a checkpoint (atomically), a CSV row, the plot, and a
.bk2 of the generation's best genome.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neat
import numpy as np
from tqdm import tqdm

from arena import (
    LEAGUE,
    SCREEN,
    ArenaEnv,
    CsvLog,
    EnvSetup,
    OpponentEnv,
    RayPool,
    RunConfig,
    TrainRun,
    Worker,
    WorkerPool,
    play_episode,
    prepare_curriculum,
    reseed,
    run_episodes,
)
from arena.errors import AgentError, UsageError
from arena.plugins.neat_agents import codec
from arena.plugins.neat_agents.agent import NeatAgent, save_genome, screen_observation
from arena.plugins.neat_agents.config import NeatConfig, build_config, parse_config_text

if TYPE_CHECKING:
    from arena.plugins.neat_agents.trainer import NeatTrainer

POPULATION = "population"
STATS_FIELDS = [
    "generation",
    "best_fitness",
    "mean_fitness",
    "stdev_fitness",
    "species",
    "species_sizes",
    "best_progress",
    "best_done",
    "best_progress_by_start",
    "frames",
    "seconds",
    "frames_per_second",
    "best_movie",
]
EPISODE_SEED = 0  # the emulator is deterministic; every genome plays the same episode
"""The seed of the episode from the run's state; a curriculum's start ``i`` plays seed ``i``
(under sticky actions each start then has draws of its own)."""


# -- worker processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to build its env and networks (picklable: no compiled profile)."""

    agent: str
    recurrent: bool
    env: EnvSetup
    config_text: str
    starts: tuple[str, ...] = ()
    """The states a genome plays, the run's own first (one: no curriculum)."""


class NeatWorker(Worker):
    """Plays genomes in a worker process, keeping one env alive across genomes. A task is
    ``(genome_id, genome, start)`` to evaluate from start number ``start``, or a
    :class:`Recording` to record (from the run's state). Tasks come grouped by start, so a
    worker builds an env for another start a few times a generation."""

    env: ArenaEnv  # once set up

    def __init__(self, setup: WorkerSetup) -> None:
        self.setup = setup
        self.start = 0

    def set_up(self) -> None:
        self._build(0)

    def _build(self, start: int) -> None:
        """The env of start number ``start`` (the process's one emulator: the last one goes)."""
        setup = self.setup
        if hasattr(self, "env"):
            self.env.close()
        env = setup.env if start == 0 else dataclasses.replace(setup.env, state=setup.starts[start])
        made = env.make()
        self.start = start
        # Against an --opponent a genome plays seat 1 of the 2-player game, the opponent seat
        # 2: every genome meets the same opponent on the same seed, so fitnesses compare.
        self.env, self.opponents = (
            (made.env, [made.opponent(1)]) if isinstance(made, OpponentEnv) else (made, [])
        )
        self.observation_range = self.env.spec_for(0).observation_range
        self.config = parse_config_text(setup.config_text)

    def handle(self, task: tuple[int, neat.DefaultGenome, int] | Recording) -> Any:
        if isinstance(task, Recording):
            if self.start != 0:
                self._build(0)
            return self.record(task)
        genome_id, genome, start = task
        if start != self.start:
            self._build(start)
        seed = EPISODE_SEED + start
        result = play_episode(self.env, [self.agent(genome), *self.opponents], seed)
        outcome = (result.progress, result.done_reason)
        return genome_id, start, result.episode_return, result.frames, outcome

    def agent(self, genome: neat.DefaultGenome) -> NeatAgent:
        return NeatAgent(genome, self.config, self.setup.recurrent, self.observation_range)

    def record(self, task: Recording) -> tuple[float, str]:
        config = RunConfig(
            self.setup.agent,
            episodes=1,
            seed=EPISODE_SEED,
            record=task.folder,
            checkpoint=task.checkpoint,
            tag=task.tag,
        )
        [result] = run_episodes(self.env, [self.agent(task.genome), *self.opponents], config)
        return result.episode_return, str(result.movie)

    def close(self) -> None:
        if hasattr(self, "env"):
            self.env.close()


@dataclass(frozen=True)
class Recording:
    """A task: record ``genome`` as a .bk2 (with sidecar) in ``folder``."""

    genome: neat.DefaultGenome
    folder: Path
    tag: str
    checkpoint: Path


class Evolution:
    """One training run: set up, then evolve generation by generation."""

    def __init__(self, trainer: NeatTrainer, run: TrainRun) -> None:
        if run.opponent == LEAGUE:
            raise UsageError(
                "--opponent league: NEAT does not train in a league (ppo does)",
                "give NEAT a fixed --opponent (random, ppo:PATH...)",
            )
        self.trainer, self.run_ = trainer, run
        self.agent = trainer.agent
        self.out = run.out
        self.checkpoints = run.out / "checkpoints"
        self.best = run.out / "best"
        chosen = run.options.get("inputs", SCREEN)
        if chosen == SCREEN:
            screen = EnvSetup.of(run, {}).game_spec().screen_shape
            self.observation = screen_observation(
                screen, run.profile.observation.crop, run.options["downscale"]
            )
            num_inputs = int(np.prod(self.observation["resize"]))
        else:
            self.observation = {"inputs": chosen}
            spec = EnvSetup.of(run, self.observation).game_spec()
            num_inputs = int(np.prod(spec.observation_shape))
        overrides = dict(run.overrides)
        if run.options["pop"] is not None:
            overrides["NEAT.pop_size"] = str(run.options["pop"])
        self.neat = build_config(
            self.agent, run.config, overrides, num_inputs, len(run.profile.actions), chosen
        )
        self.manifest = {
            "agent": self.agent,
            "profile": run.profile.name,
            "state": run.state,
            "config_hash": self.neat.digest,
            "observation": self.observation,
            "training_protocol": run.protocol.as_dict(),
            "num_inputs": num_inputs,
            "num_outputs": len(run.profile.actions),
        }

    # -- population and checkpoints ------------------------------------------------------

    def _restore(self) -> neat.Population:
        _path, _manifest, payload = self.run_.load_latest(
            self.agent, POPULATION, "json", self.neat.digest, "--config/--set/--pop/--downscale"
        )
        return codec.loads_population(payload, self.neat.config)

    def _save_population(self, population: neat.Population) -> Path:
        next_key = next(population.reproduction.genome_indexer)
        population.reproduction.genome_indexer = count(next_key)  # put back the key we read
        manifest = {**self.manifest, "kind": POPULATION, "generation": population.generation}
        return self.run_.save_resumable(
            f"generation-{population.generation:05d}.ckpt",
            manifest,
            codec.dumps_population(population, next_key),
            "json",
        )

    def _save_winner(self, population: neat.Population) -> Path | None:
        if population.best_genome is None:
            return None
        path = self.out / "winner.ckpt"
        save_genome(
            path,
            self.agent,
            population.best_genome,
            self.neat.text,
            {**self.manifest, "generation": population.generation},
        )
        return path

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        from arena.plugins.neat_agents.report import plot_statistics  # matplotlib: a slow import

        run, options = self.run_, self.run_.options
        if options.get("curriculum") and run.opponent is not None:
            raise UsageError(
                "--curriculum is for 1-player training; against an --opponent every genome "
                "plays the 2-player state",
                "leave out one of the two",
            )
        run.started()
        starts: tuple[str, ...] = (run.state,)
        if options.get("curriculum"):
            curriculum = prepare_curriculum(
                options["curriculum"], run.profile, run.state, self.out, run.resume
            )
            starts = curriculum.starts
            self.manifest["curriculum"] = curriculum.as_dict()
        self.starts = starts
        (self.out / f"{self.agent}.ini").write_text(self.neat.text)
        population = (
            self._restore() if run.resume else neat.Population(self.neat.config, seed=run.seed)
        )
        start = population.generation
        log = CsvLog(self.out / "stats.csv", STATS_FIELDS, keep_below=start if run.resume else None)
        setup = WorkerSetup(
            self.agent,
            self.trainer.recurrent,
            EnvSetup.of(run, self.observation),
            self.neat.text,
            starts,
        )
        resumed = " (resumed)" if run.resume else ""
        also = f" (and {len(starts) - 1} curriculum starts)" if len(starts) > 1 else ""
        print(
            f"{self.agent} on {run.profile.title}, {run.state}{also}: "
            f"{self.neat.config.pop_size} genomes, {self.manifest['num_inputs']} inputs, "
            f"{run.workers} worker(s), generations {start}..{options['generations'] - 1}{resumed}",
            flush=True,
        )
        worker = NeatWorker(setup)
        pool: WorkerPool | RayPool
        if options.get("backend") == "ray":
            pool = RayPool(worker, run.workers)
            # Movies are written where the recording runs: here, not on a cluster's node.
            recorder = None if options["no_record"] else WorkerPool([worker], "NEAT recorder")
        else:
            pool = recorder = WorkerPool([worker] * run.workers, "NEAT worker")

        def save_on_interrupt() -> str | None:
            pool.terminate()
            if recorder is not None:
                recorder.terminate()
            winner = self._save_winner(population)
            return f"the last finished generation is saved in {run.checkpoints}" + (
                f", the best genome so far in {winner}" if winner else ""
            )

        try:
            with run.saving_on_interrupt(save_on_interrupt):
                while population.generation < options["generations"]:
                    generation = population.generation
                    reseed(run.seed, generation)  # reproduction draws from `random`
                    stats = self._generation(population, pool)
                    solved = population.generation == generation  # neat stops before reproducing
                    best = stats.pop("best_genome")
                    line = stats.pop("line")
                    judged = stats.pop("best_return")
                    # The generation's row, then the checkpoint that resumes after it: a
                    # run stopped between the two (Ctrl-C, SIGTERM, SIGKILL) resumes from the
                    # checkpoint before, whose resume drops the row, so the record holds each
                    # generation once. Both are on disk before the line is printed: once a
                    # user has seen it, an interrupt cannot take it away.
                    if recorder is not None:
                        stats["best_movie"] = self._record_best(
                            recorder, best, generation, judged
                        )
                    log.append(stats)
                    if not solved:
                        self._save_population(population)
                    self._save_winner(population)
                    plot_statistics(
                        log.rows(), self.out / "fitness.png", f"{self.agent} on {run.profile.name}"
                    )
                    print(line, flush=True)
                    if solved:
                        threshold = self.neat.config.fitness_threshold
                        print(f"fitness threshold {threshold} reached", flush=True)
                        break
        finally:
            pool.close()
            if recorder is not None and recorder is not pool:
                recorder.close()
        summary = f"winner (fitness {population.best_genome.fitness:g})"
        run.finished(self.out / "winner.ckpt", self.agent, summary)

    def _generation(
        self, population: neat.Population, pool: WorkerPool | RayPool
    ) -> dict[str, Any]:
        """Evaluate one generation (neat-python then reproduces); return its statistics."""
        generation, started = population.generation, time.perf_counter()
        starts = len(self.starts)
        frames = 0
        outcomes: dict[int, list[Any]] = {}  # key -> [(progress, done reason, return)] by start
        bar = tqdm(
            total=len(population.population) * starts,
            desc=f"generation {generation}",
            unit="genome",
            leave=False,
            disable=None,
        )

        def eval_genomes(
            genomes: list[tuple[int, neat.DefaultGenome]], config: neat.Config
        ) -> None:
            by_key = dict(genomes)
            for key in by_key:
                outcomes[key] = [None] * starts

            def scored(task: Any, ok: bool, payload: Any) -> None:
                nonlocal frames
                if not ok:
                    raise AgentError(f"genome {task[0]}: {payload}")
                key, start, episode_return, genome_frames, (progress, done) = payload
                outcomes[key][start] = (progress, done, episode_return)
                frames += genome_frames
                bar.update()

            # Grouped by start: a worker builds another start's env a few times a generation.
            tasks = [(key, genome, start) for start in range(starts) for key, genome in genomes]
            pool.run(tasks, scored)
            for key, genome in genomes:  # summed in start order: the same float every time
                genome.fitness = sum(outcome[2] for outcome in outcomes[key])

        evaluated = dict(population.population)
        species_sizes = [len(s.members) for s in population.species.species.values()]
        try:
            population.run(eval_genomes, 1)
        except RuntimeError as exc:  # neat-python's own config conflicts, e.g. too many species
            raise AgentError(
                f"neat-python stopped in generation {generation}: {exc}",
                "adjust the config: a higher DefaultSpeciesSet.compatibility_threshold makes "
                "fewer species, a larger NEAT.pop_size gives each more members",
            ) from None
        bar.close()
        seconds = time.perf_counter() - started
        fitnesses = [g.fitness for g in evaluated.values()]
        best = max(evaluated.values(), key=lambda g: g.fitness)
        stats = {
            "generation": generation,
            "best_fitness": best.fitness,
            "mean_fitness": statistics.fmean(fitnesses),
            "stdev_fitness": statistics.pstdev(fitnesses),
            "species": len(species_sizes),
            "species_sizes": ";".join(map(str, species_sizes)),
            "best_progress": outcomes[best.key][0][0],
            "best_done": outcomes[best.key][0][1],
            "best_progress_by_start": ";".join(f"{o[0]:g}" for o in outcomes[best.key]),
            "frames": frames,
            "seconds": round(seconds, 2),
            "frames_per_second": round(frames / seconds),
            "best_movie": "",
            "best_genome": best,
            "best_return": outcomes[best.key][0][2],
        }
        label = self.run_.profile.progress.source if self.run_.profile.progress else "progress"
        stats["line"] = (
            f"generation {generation}  best {best.fitness:.1f}  mean {stats['mean_fitness']:.1f} "
            f"± {stats['stdev_fitness']:.1f}  species {len(species_sizes)}  "
            f"{label} {stats['best_progress']} ({stats['best_done']})  "
            f"frames {frames:,}  ({seconds:.1f} s, {stats['frames_per_second']:,} frames/s)"
        )
        return stats

    def _record_best(
        self, pool: WorkerPool, genome: neat.DefaultGenome, generation: int, judged: float
    ) -> str:
        """Record the generation's best genome from the run's state as a .bk2 (with sidecar)
        and save it playable; ``judged`` is the return it got there."""
        tag = f"gen{generation:05d}"
        checkpoint = self.best / f"{tag}.ckpt"
        save_genome(
            checkpoint,
            self.agent,
            genome,
            self.neat.text,
            {**self.manifest, "generation": generation},
        )
        recorded, movie = pool.call(Recording(genome, self.best, tag, checkpoint))
        if recorded != judged:  # the emulator is deterministic: this would be a bug
            raise AgentError(
                f"generation {generation}: replaying the best genome gave {recorded}, "
                f"its return from {self.run_.state} was {judged}"
            )
        # Named relative to the run's folder (stats.csv's), so the run can move.
        return Path(os.path.relpath(movie, self.out)).as_posix()


__all__ = ["Evolution", "NeatConfig"]
