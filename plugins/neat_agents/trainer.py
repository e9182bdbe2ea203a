"""``arena train neat-ff`` / ``neat-rnn``: the trainers' options; the evolution module (and
neat-python's reproduction machinery with it) is imported only when a run starts."""

from __future__ import annotations

import click

from arena import POSITIVE, Trainer, TrainRun, WholeNumber, backend_option
from arena.plugins.neat_agents.config import MAX_POPULATION

POPULATION = WholeNumber(1, MAX_POPULATION)


class NeatTrainer(Trainer):
    """``arena train neat-ff`` / ``neat-rnn``."""

    def __init__(self, agent: str, recurrent: bool) -> None:
        self.agent = agent
        self.recurrent = recurrent
        kind = "recurrent" if recurrent else "feed-forward"
        self.description = (
            f"evolve {kind} NEAT networks (neat-python) on the downscaled screen or --inputs"
        )

    def options(self) -> list[click.Parameter]:
        return [
            click.Option(
                ["--generations"],
                type=POSITIVE,
                default=30,
                show_default=True,
                help="total generations",
            ),
            click.Option(
                ["--pop"],
                type=POPULATION,
                help=f"population size (NEAT.pop_size, at most {MAX_POPULATION:,})",
            ),
            click.Option(
                ["--downscale"],
                type=POSITIVE,
                default=8,
                show_default=True,
                help="shrink the screen N times",
            ),
            click.Option(["--no-record"], is_flag=True, help="skip each generation's best .bk2"),
            click.Option(
                ["--inputs"],
                default="screen",
                show_default=True,
                help="what the networks see: screen, or inputs the profile offers (tiles)",
            ),
            click.Option(
                ["--curriculum"],
                metavar="NAME|FILE.yaml",
                help="also play these start states (mario-1-1, or a curriculum file); the "
                "fitness sums the returns, the run's --state is the one judged",
            ),
            backend_option("evaluate genomes in local processes", "as Ray tasks"),
        ]

    def train(self, run: TrainRun) -> None:
        from arena.plugins.neat_agents.evolve import Evolution

        Evolution(self, run).run()
