"""NEAT agents: real (short) evolution on the emulator, checkpoints, resume, replays, errors."""

import json
from pathlib import Path

import neat
import numpy as np
import pytest

from arena.plugins.neat_agents import codec
from arena.plugins.neat_agents.agent import NeatAgent
from arena.plugins.neat_agents.config import build_config
from arena.plugins.neat_agents.network import Recurrent
from conftest import arena, csv_rows

pytestmark = pytest.mark.slow  # each test trains: CI runs them, the fast tier does not

SHORT = ["--pop", "12", "--workers", "2", "--max-frames", "1200"]


def stats(folder: Path) -> list[dict[str, str]]:
    return csv_rows(folder / "stats.csv")


@pytest.fixture(scope="module")
def mario_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("neat") / "mario"
    result = arena(
        "train", "neat-ff", "--game", "mario", "--generations", "3", "--out", str(out), *SHORT
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_training_writes_stats_plot_movies_checkpoints_and_winner(mario_run):
    out, stdout = mario_run
    rows = stats(out)
    assert [r["generation"] for r in rows] == ["0", "1", "2"]
    assert all(float(r["best_fitness"]) >= float(r["mean_fitness"]) for r in rows)
    assert stdout.count("generation ") >= 3 and "species" in stdout and "frames/s" in stdout
    assert (out / "fitness.png").stat().st_size > 10_000
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "generation-00001.ckpt",
        "generation-00002.ckpt",
        "generation-00003.ckpt",
    ]
    movies = sorted((out / "best").glob("*.bk2"))
    assert len(movies) == 3
    for row, movie in zip(rows, movies, strict=True):
        sidecar = json.loads(movie.with_suffix(".json").read_text())
        assert sidecar["returns"] == [float(row["best_fitness"])]
        assert sidecar["agent"] == "neat-ff"
    assert arena("verify", str(out / "best")).returncode == 0


def test_the_winner_replays_to_its_fitness(mario_run):
    out, _ = mario_run
    best = max(float(r["best_fitness"]) for r in stats(out))
    # Under the training protocol (no sticky actions) the episode is the one evolution scored.
    result = arena(
        "run", "--agent", "neat-ff", "--checkpoint", str(out / "winner.ckpt"), "--game", "mario",
        "--sticky", "0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"return {best:.1f}" in result.stdout


def test_resume_continues_the_count_and_matches_an_uninterrupted_run(mario_run, tmp_path):
    out, _ = mario_run
    saved = json.loads((out / "train-args.json").read_text())
    assert saved["trainer"] == "neat-ff" and saved["parameters"]["game"] == "mario"
    # Only what changes is given again: the game, --pop, --max-frames... come from the run.
    resumed = arena("train", "neat-ff", "--out", str(out), "--resume", "--generations", "4")
    assert resumed.returncode == 0, resumed.stderr
    assert "generations 3..3 (resumed)" in resumed.stdout
    assert json.loads((out / "train-args.json").read_text())["parameters"]["generations"] == 4
    straight = tmp_path / "straight"
    arena(
        "train",
        "neat-ff",
        "--game",
        "mario",
        "--generations",
        "4",
        "--out",
        str(straight),
        "--no-record",
        *SHORT,
    )
    fields = ("generation", "best_fitness", "mean_fitness", "stdev_fitness", "species_sizes")
    assert [[r[f] for f in fields] for r in stats(out)] == [
        [r[f] for f in fields] for r in stats(straight)
    ]


def test_recurrent_agent_evolves_on_airstriker_and_keeps_state_per_episode(tmp_path):
    out = tmp_path / "rnn"
    result = arena(
        "train", "neat-rnn", "--game", "airstriker", "--generations", "2", "--out", str(out), *SHORT
    )
    assert result.returncode == 0, result.stderr
    assert len(stats(out)) == 2
    assert arena("verify", str(out / "best")).returncode == 0
    played = arena(
        "run",
        "--agent",
        "neat-rnn",
        "--checkpoint",
        str(out / "winner.ckpt"),
        "--game",
        "airstriker",
        "--max-frames",
        "1200",
        "--episodes",
        "2",
        "--sticky",
        "0",
    )
    returns = [
        line.split("return ")[1].split()[0]
        for line in played.stdout.splitlines()
        if line.startswith("episode")
    ]
    assert len(returns) == 2 and returns[0] == returns[1]  # fresh network state each episode


def test_recurrent_state_is_explicit():
    config = build_config("neat-rnn", None, {"NEAT.pop_size": "2"}, 4, 3).config

    genome = neat.DefaultGenome(1)
    config.genome_config.innovation_tracker = neat.InnovationTracker()
    genome.configure_new(config.genome_config)
    agent = NeatAgent(genome, config, recurrent=True)
    first, second = agent.reset(0), agent.reset(0)
    assert first is not second and isinstance(first, Recurrent)
    observation = np.full((1, 2, 2), 255, np.uint8)
    _, first = agent.act(observation, {}, first)
    assert not np.array_equal(first.current, second.current)  # memory lives in the state


def test_a_population_whose_best_genome_has_left_it_round_trips():
    """neat-python keeps the best genome ever seen, often one no longer in the population."""
    config = build_config("neat-ff", None, {"NEAT.pop_size": "6"}, 4, 3).config
    population = neat.Population(config, seed=3)
    population.run(lambda genomes, _config: [setattr(g, "fitness", 1.0) for _, g in genomes], 1)
    departed = neat.DefaultGenome(999)
    departed.configure_new(config.genome_config)
    departed.fitness = 100.0
    population.best_genome = departed
    next_key = next(population.reproduction.genome_indexer)
    restored = codec.loads_population(codec.dumps_population(population, next_key), config)
    assert restored.best_genome.key == 999 and restored.best_genome.fitness == 100.0
    assert sorted(restored.population) == sorted(population.population)


BAD = [
    (["--set", "NEAT.pop_sise=10"], "unknown key (did you mean 'pop_size'?) in [NEAT]"),
    (["--set", "weight_mutate_rat=0.1"], "(did you mean 'DefaultGenome.weight_mutate_rate'?)"),
    (["--set", "NEAT.pop_size=abc"], "with --set NEAT.pop_size=abc: neat-python rejects it"),
    (["--set", "DefaultGenome.num_inputs=3"], "set from the game, not by hand"),
    (["--set", "pop_size"], "--set 'pop_size' is not key=value"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_config_is_one_clear_line(tmp_path, args, message):
    result = arena("train", "neat-ff", "--game", "airstriker", "--out", str(tmp_path / "x"), *args)
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()  # nothing a later --resume would replay


def test_config_files_are_checked_key_by_key(tmp_path):
    default = Path(__file__).resolve().parents[2] / "plugins" / "neat_agents" / "neat-ff.ini"
    typo = tmp_path / "typo.ini"
    typo.write_text(default.read_text().replace("conn_add_prob", "conn_add_prb"))
    result = arena(
        "train",
        "neat-ff",
        "--game",
        "airstriker",
        "--out",
        str(tmp_path / "a"),
        "--config",
        str(typo),
    )
    assert (
        "typo.ini: [DefaultGenome] unknown key 'conn_add_prb' (did you mean 'conn_add_prob'?)"
        in result.stderr
    )
    missing = tmp_path / "missing.ini"
    missing.write_text(default.read_text().replace("pop_size", "# pop_size"))
    result = arena(
        "train",
        "neat-ff",
        "--game",
        "airstriker",
        "--out",
        str(tmp_path / "b"),
        "--config",
        str(missing),
    )
    assert "missing.ini: [NEAT] is missing pop_size" in result.stderr


def test_foreign_and_unknown_checkpoints_are_refused(mario_run, tmp_path):
    out, _ = mario_run
    cases = [
        (
            ["--agent", "neat-rnn", "--checkpoint", str(out / "winner.ckpt")],
            "is a checkpoint of agent 'neat-ff', not 'neat-rnn'. play it with --agent neat-ff",
        ),
        (
            [
                "--agent",
                "neat-ff",
                "--checkpoint",
                str(out / "checkpoints" / "generation-00001.ckpt"),
            ],
            "holds a population, not a genome",
        ),
        (
            ["--agent", "neat-ff", "--checkpoint", str(out / "fitness.png")],
            "not a checkpoint written by retro-arena; refusing to load it",
        ),
        (["--agent", "neat-ff"], "agent 'neat-ff' plays a trained checkpoint, and none was given"),
        (
            ["--agent", "random", "--checkpoint", str(out / "winner.ckpt")],
            "agent 'random' takes no checkpoint, and",
        ),
    ]
    for args, message in cases:
        result = arena("run", "--game", "mario", *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
    resumed_elsewhere = arena(
        "train",
        "neat-ff",
        "--game",
        "mario",
        "--out",
        str(out),
        "--resume",
        "--generations",
        "9",
        "--pop",
        "13",
        "--workers",
        "1",
    )
    assert "was written with another config than this command builds" in resumed_elsewhere.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pop", "1000000000"], "--pop: at most 10000, got 1000000000"),
        (["--set", "NEAT.pop_size=1000000000"], "NEAT.pop_size = 1,000,000,000; at most 10,000"),
    ],
)
def test_an_absurd_population_is_refused_before_anything_is_built(tmp_path, args, message):
    result = arena("train", "neat-ff", "--game", "airstriker", *args, "--out", str(tmp_path / "r"))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()
