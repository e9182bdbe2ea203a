"""Any agent against any agent, entries with labels and options, and the docs' bench, match
and tournament commands run as written (with small real checkpoints at the README's paths)."""

import json
import re
import shlex
from pathlib import Path

import pytest

import docs_pages
from arena.core.errors import UsageError
from arena.host.entries import AgentSpec, parse_entries
from conftest import arena

PPO_SMALL = ["--envs", "2", "--set", "num_steps=64", "--set", "num_minibatches=2"]
NEAT_SMALL = ["--generations", "1", "--pop", "6", "--workers", "2", "--max-frames", "600"]


def readme_lines(prefix: str) -> list[str]:
    """The example lines of docs/benchmarking.md that start with ``prefix``."""
    lines = docs_pages.command_lines("docs/benchmarking.md")
    return [x for x in lines if x.startswith(prefix)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """A working folder with small real checkpoints where the README's examples expect them."""
    root = tmp_path_factory.mktemp("user")
    trainings = [
        ["ppo", "--game", "pong", "--steps", "128", *PPO_SMALL],
        ["ppo", "--game", "mario", "--steps", "128", *PPO_SMALL],
        ["neat-rnn", "--game", "pong", *NEAT_SMALL],
        ["neat-ff", "--game", "mario", *NEAT_SMALL],
    ]
    for args in trainings:
        result = arena("train", *args, cwd=root)
        assert result.returncode == 0, result.stderr
    return root


def run_readme_line(line: str, cwd: Path):
    args = shlex.split(line)
    assert args[0] == "arena"
    return arena(*args[1:], cwd=cwd)


@pytest.mark.slow
def test_readme_match_between_neat_and_ppo_plays_and_verifies(runs):
    [line] = readme_lines("arena match ")
    assert "neat" in line and "ppo:" in line
    result = run_readme_line(line, runs)
    assert result.returncode == 0, result.stderr
    data = json.loads((runs / "runs" / "match" / "tournament.json").read_text())
    sides = {(g["player1"], g["player2"]) for g in data["games"]}
    assert sides == {("neat-rnn", "ppo"), ("ppo", "neat-rnn")}
    assert arena("verify", "runs/match", cwd=runs).returncode == 0
    assert "protocol: sticky actions p=0.25" in result.stdout
    [line] = readme_lines("arena report runs/match")
    result = run_readme_line(line, runs)
    assert result.returncode == 0, result.stderr
    page = (runs / "runs" / "match" / "report" / "index.html").read_text()
    assert "Seat advantage" in page and page.count("<video ") == 2


@pytest.mark.slow
def test_readme_tournament_of_three_pipelines_rates_every_agent(runs):
    [line] = readme_lines("arena tournament ")
    result = run_readme_line(line, runs)
    assert result.returncode == 0, result.stderr
    rated = re.findall(r"^(\S+)\s+-?\d+\.\d\d ", result.stdout, re.M)
    assert sorted(rated) == ["neat-rnn", "ppo", "random"], result.stdout


@pytest.mark.slow
def test_readme_bench_has_labels_entries_left_out_and_distinct_seeds(runs):
    [line] = [b for b in readme_lines("arena bench ") if "greedy=" in b]
    result = run_readme_line(line, runs)
    assert result.returncode == 0, result.stderr
    out = runs / "runs" / "bench-smoke"
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert {r["agent"] for r in lines} == {"random", "greedy", "neat"}
    assert all(r["protocol"] == {"sticky": 0.25, "noop_max": 0} for r in lines)
    # Movie folders are named by label, never by a checkpoint path.
    assert sorted(p.name for p in (out / "movies").iterdir()) == ["greedy", "neat", "random"]
    # The Mario-trained agents cannot play the other games: not entered there (the entry's
    # one refusal, as run, match and tournament make it), neither played nor failed.
    for label in ("greedy", "neat"):
        for game in ("airstriker", "pong", "boxing"):
            refusal = f"not entered {label} on {game}: its checkpoint was trained on 'mario'"
            assert refusal in result.stdout, result.stdout
    assert {r["game"] for r in lines if r["agent"] != "random"} == {"mario"}
    assert not [r for r in lines if "error" in r]
    cells = int(re.search(r"suite smoke: (\d+) cells x 3 agents", result.stdout).group(1))
    mario_cells = sum(r["game"] == "mario" for r in lines if r["agent"] == "random")
    assert f"({2 * (cells - mario_cells)} not entered)" in result.stdout
    played = int(re.search(r"(\d+) cell\(s\) played", result.stdout).group(1))
    assert played == len(lines) and "0 failed" in result.stdout
    assert "protocol: sticky actions p=0.25, no no-op starts" in result.stdout
    board = json.loads((out / "leaderboard.json").read_text())
    pong = {r["agent"] for r in board["rows"] if r["scope"] == "pong"}
    assert pong == {"random"}
    # Greedy PPO is deterministic, yet under sticky actions the seeds give different episodes
    # (this barely trained policy mostly holds one action, so not every seed differs).
    mario = [r for r in lines if r["agent"] == "greedy" and r["game"] == "mario"]
    assert len(mario) == 3 and len({r["digest"] for r in mario}) > 1
    assert arena("verify", str(out / "movies"), cwd=runs).returncode == 0
    [board_line] = readme_lines("arena leaderboard ")
    again = run_readme_line(board_line, runs)
    assert again.returncode == 0 and "greedy" in again.stdout, again.stderr


@pytest.mark.slow
def test_a_deterministic_agent_without_sticky_actions_is_flagged(runs, tmp_path):
    suite = tmp_path / "one.yaml"
    suite.write_text("cells:\n  - {game: mario, seeds: [0, 1, 2], max_frames: 600}\n")
    ppo = str(runs / "runs" / "ppo-mario" / "model.ckpt")
    result = arena(
        "bench", "random", f"greedy=ppo:{ppo}", "--suite", str(suite), "--sticky", "0",
        "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    board = json.loads((tmp_path / "b" / "leaderboard.json").read_text())
    [greedy] = [r for r in board["rows"] if r["scope"] == "mario" and r["agent"] == "greedy"]
    assert greedy["identical"] and greedy["distinct"] == 1 and greedy["ci_low"] is None
    assert "protocol: deterministic" in result.stdout
    assert "its episodes of a state were all one episode" in result.stdout
    # Resuming those results under another protocol would pool them: refused.
    again = arena(
        "bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"), "--resume"
    )
    assert again.returncode == 2 and "was played under deterministic" in again.stderr


def test_one_agent_with_two_option_sets_is_two_entries(tmp_path):
    suite = tmp_path / "one.yaml"
    suite.write_text("cells:\n  - {game: airstriker, seeds: [0], max_frames: 400}\n")
    result = arena(
        "bench", "fast=random,repeat=1", "slow=random,repeat=8", "--suite", str(suite),
        "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in (tmp_path / "b" / "results.jsonl").read_text().splitlines()]
    options = {r["agent"]: r["agent_options"] for r in lines}
    assert options == {"fast": {"repeat": "1"}, "slow": {"repeat": "8"}}
    sidecar = next((tmp_path / "b" / "movies" / "slow").glob("*.json"))
    assert json.loads(sidecar.read_text())["agent_options"] == {"repeat": "8"}


def test_an_agent_may_play_itself_labelled_apart(tmp_path):
    result = arena(
        "match", "random", "random", "--game", "pong", "--max-frames", "800",
        "--record", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "random-1 (P1) vs random-2 (P2)" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [
        "random-1-vs-random-2",
        "random-2-vs-random-1",
    ]


def test_entries_parse_labels_checkpoints_and_options():
    assert AgentSpec.parse("ppo:runs/a=b/model.ckpt") == AgentSpec(
        "ppo", "runs/a=b/model.ckpt", "ppo"
    )
    spec = AgentSpec.parse("sampled=ppo:runs/x.ckpt,sample=true")
    assert (spec.label, spec.name, spec.checkpoint, dict(spec.options)) == (
        "sampled", "ppo", "runs/x.ckpt", {"sample": "true"},
    )  # fmt: skip
    assert [e.label for e in parse_entries(["random", "ppo:a", "ppo:b"])] == [
        "random",
        "ppo-1",
        "ppo-2",
    ]
    with pytest.raises(UsageError, match="label 'x' names two entries"):
        parse_entries(["x=random", "x=ppo:a"])
    with pytest.raises(UsageError, match="is not KEY=VALUE"):
        parse_entries(["random,repeat"])
    with pytest.raises(UsageError, match="is not a plain name"):
        parse_entries(["-x=random"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "random", "--sticky", "1"], "--sticky must be a probability in [0, 1), got 1.0"),
        (["bench", "random", "--sticky", "-0.1"], "--sticky must be a probability in [0, 1)"),
        (["run", "--game", "mario", "--noop-max", "-3"], "--noop-max must be a whole number"),
        (["match", "a=random", "a=random", "--game", "pong"], "label 'a' names two entries"),
        (
            ["match", "random", "random", "--game", "pong", "--state", "Start"],
            "is for 1 player(s); a match needs a 2-player state",
        ),
        (["train", "ppo", "--game", "mario", "--sticky", "2"], "--sticky must be a probability"),
    ],
)
def test_bad_protocol_and_entries_are_one_clear_line(args, message, tmp_path):
    result = arena(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_a_bad_suite_protocol_names_the_key(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("protocol: {sticky: 0.25, noops: 3}\ncells:\n  - {game: mario}\n")
    result = arena("bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"))
    assert result.returncode == 2 and "protocol.noops: unknown key" in result.stderr
    assert "did you mean 'noop_max'" in result.stderr and not (tmp_path / "b").exists()
