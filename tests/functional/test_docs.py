"""The documentation site: it builds in strict mode, its generated pages hold what they are
generated from, and every command block on it (and in the README) is run by a test."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import docs_pages
from conftest import ROOT

# Every section of a page that holds a bash block, and the tests that run its blocks as
# written. A block in a section missing here fails test_every_command_block_is_run_by_a_test.
RUN_BY: dict[tuple[str, str], tuple[str, ...]] = {
    ("README.md", "Set up"): (
        "test_readme.py::test_ci_runs_the_readme_test_command",
        "test_docs.py::test_the_demo_after_the_install_runs_as_written",
    ),
    ("README.md", "A five-minute tour"): ("test_docs.py::test_the_tour_runs_as_written",),
    ("docs/getting-started.md", "Set up"): (
        "test_readme.py::test_the_getting_started_page_has_the_readme_commands",
    ),
    ("docs/training.md", "NEAT (`neat-ff`, `neat-rnn`)"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/training.md", "MarI/O's view: `--inputs tiles`"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/training.md", "A curriculum of start states: `--curriculum`"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/training.md", "On a Ray cluster: `--backend ray`"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/training.md", "PPO (`ppo`)"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/training.md", "A self-play league: `--opponent league`"): (
        "test_docs.py::test_the_training_blocks_run_with_a_small_budget",
    ),
    ("docs/benchmarking.md", "Benchmarks and matches"): (
        "test_entries_and_matches.py::test_readme_match_between_neat_and_ppo_plays_and_verifies",
        "test_entries_and_matches.py::test_readme_tournament_of_three_pipelines_rates_every_agent",
        "test_entries_and_matches.py::test_readme_bench_has_labels_entries_left_out_and_distinct_seeds",
    ),
    ("docs/tournaments.md", "Matches"): (
        "test_suite_tournament.py::test_duel_plays_six_two_player_games_rated_per_game_and_overall",
    ),
    ("docs/make-a-game-yours.md", "Make a game yours"): (
        "test_readme.py::test_the_make_a_game_yours_blocks_run_as_written",
    ),
    ("docs/bring-a-game.md", "Bring a game stable-retro lacks"): (
        "test_readme.py::test_the_bring_a_game_blocks_run_as_written",
    ),
    ("docs/demos.md", "Demonstrations for imitation learning"): (
        "test_demos.py::test_the_docs_demos_blocks_run_as_written",
    ),
    ("docs/play.md", "Play in the browser"): (
        "test_serve.py::test_the_docs_play_blocks_run_as_written",
    ),
    ("docs/plugins/tutorial.md", "Writing a plugin"): (
        "test_plugins.py::test_the_tutorial_block_runs_as_written",
    ),
}

# What a training block's `arena train` line gets appended, so it runs in seconds: the command
# line takes the last value of an option, so the line itself is run as written.
BUDGET = {
    "neat-ff": ["--generations", "1", "--pop", "6", "--max-frames", "600"],
    "neat-rnn": ["--generations", "1", "--pop", "6", "--max-frames", "600"],
    "ppo": ["--steps", "128", "--envs", "2", "--set", "num_steps=64", "--set", "num_minibatches=2"],
}


def blocks_by_section() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for page in docs_pages.pages():
        for heading, body in docs_pages.sections(page):
            for block in docs_pages.blocks(body, "bash"):
                found.setdefault((page, heading), []).append(block)
    return found


def test_every_command_block_is_run_by_a_test():
    sections = blocks_by_section()
    unclaimed = [key for key in sections if key not in RUN_BY]
    assert not unclaimed, (
        f"bash blocks no test runs (add the test, then the section to RUN_BY): {unclaimed}"
    )
    assert set(RUN_BY) == set(sections), (
        f"RUN_BY names sections without blocks: {set(RUN_BY) - set(sections)}"
    )
    for (page, _), tests in RUN_BY.items():
        for test in tests:
            file, name = test.split("::")
            source = (ROOT / "tests" / "functional" / file).read_text()
            functions = {
                node.name: ast.get_source_segment(source, node)
                for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.FunctionDef)
            }
            assert name in functions, f"{test} does not exist"
            reads = page if page != "README.md" else "README"
            assert reads in source, f"{file} never reads {page}"


def test_the_site_builds_strictly_with_the_generated_profile_reference(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    reference = (site / "reference" / "profile" / "index.html").read_text()
    schema = json.loads((ROOT / "games" / "profile.schema.json").read_text())
    for key in schema["properties"]:
        assert f"<code>{key}</code>" in reference, key
    for model in schema["$defs"]:
        assert f'id="{model.lower()}"' in reference, model
    hooks = (site / "plugins" / "hooks" / "index.html").read_text()
    for hook in ("agents", "trainers", "games", "suites", "observations", "commands"):
        assert f"arena_register_{hook}" in hooks
    example = (site / "plugins" / "example" / "index.html").read_text()
    assert "HoldAgent" in example and "hold-breakout" in example


def test_the_readme_stays_a_front_door():
    readme = docs_pages.text("README.md")
    assert len(readme.splitlines()) <= 200
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link


def run_blocks(blocks: list[str], cwd, budget: bool = False) -> list[str]:
    """Each block in turn in one folder, as a user follows a page; their outputs."""
    outputs = []
    for block in blocks:
        script = []
        for line in block.splitlines():
            words = line.split()
            if budget and words[:2] == ["arena", "train"]:
                line += " " + " ".join(BUDGET[words[2]])
            script.append(line)
        result = subprocess.run(
            ["bash", "-e", "-c", "\n".join(script)], capture_output=True, text=True, cwd=cwd,
            timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, (block, result.stdout[-1500:], result.stderr[-1500:])
        outputs.append(result.stdout)
    return outputs


@pytest.mark.slow
def test_the_demo_after_the_install_runs_as_written(tmp_path):
    """The first set-up command past its installs (those are the second command's, which CI
    runs): the demo plays three episodes and renders a video."""
    [demo, _] = [b for b in docs_pages.blocks(docs_pages.section("README.md", "Set up"), "bash")]
    steps = demo.strip().split(" && ")
    start = next(i for i, step in enumerate(steps) if step.startswith("arena run"))
    assert steps[start - 1] == "arena roms fetch"
    run_blocks([" && ".join(steps[start:])], tmp_path)
    assert (tmp_path / "runs/demo/mario.mp4").stat().st_size > 0
    assert len(list((tmp_path / "runs/demo").glob("*.bk2"))) == 3


@pytest.mark.slow
def test_the_tour_runs_as_written(tmp_path):
    blocks = docs_pages.blocks(docs_pages.section("README.md", "A five-minute tour"), "bash")
    assert len(blocks) == 3
    outputs = run_blocks(blocks, tmp_path)
    assert "ok       mario" in outputs[0]
    assert "2 movie(s) verified" in outputs[1]
    assert (tmp_path / "runs/tour/mario-Level1-1-random-seed0.inspect/index.html").is_file()
    assert "seat advantage" in outputs[2]
    assert (tmp_path / "runs/boxing/report/index.html").is_file()


@pytest.mark.slow
def test_the_training_blocks_run_with_a_small_budget(tmp_path):
    import ray  # the `pip install -e ".[ray]"` line's extra: the test extra holds it

    assert ray.__version__
    page = "docs/training.md"
    sections = [
        "NEAT (`neat-ff`, `neat-rnn`)",
        "MarI/O's view: `--inputs tiles`",
        "A curriculum of start states: `--curriculum`",
        "On a Ray cluster: `--backend ray`",
        "PPO (`ppo`)",
        "A self-play league: `--opponent league`",
    ]
    own = dict(docs_pages.sections(page))  # each heading's text without its subsections
    blocks = []
    for heading in sections:
        [block] = docs_pages.blocks(own[heading], "bash")
        blocks.append("\n".join(x for x in block.splitlines() if not x.startswith("pip install")))
    assert 'pip install -e ".[ray]"' in own[sections[3]]
    # Each block as its own user would: the NEAT runs share runs/neat-ff-mario, so each starts
    # from a folder of its own.
    made = {  # what each section's block leaves, checked before the next one's runs
        "PPO (`ppo`)": "runs/ppo-play/*.bk2",
        "A self-play league: `--opponent league`": "runs/ppo-boxing-league/league.csv",
    }
    for heading, block in zip(sections, blocks, strict=True):
        shutil.rmtree(tmp_path / "runs", ignore_errors=True)
        run_blocks([block], tmp_path, budget=True)
        if heading in made:
            assert list(tmp_path.glob(made[heading])), heading
