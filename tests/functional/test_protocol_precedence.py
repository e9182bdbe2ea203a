"""One function decides a command's protocol: each option given, else the suite's
``protocol:`` block, else the command's default (issue #31: `tournament --suite` ignored the
block, and a lone `--noop-max` on `bench` dropped the block's sticky). A test per command."""

import json
from pathlib import Path

import pytest
import yaml

from arena.core.errors import UsageError
from arena.core.protocol import EVALUATION, TRAINING, Protocol, ProtocolOptions
from conftest import arena

DETERMINISTIC = "protocol: deterministic (no sticky actions, no no-op starts)"


@pytest.mark.parametrize(
    ("options", "suite", "default", "expected"),
    [
        (ProtocolOptions(), None, EVALUATION, Protocol(0.25, 0)),
        (ProtocolOptions(), None, TRAINING, Protocol(0.0, 0)),
        (ProtocolOptions(), Protocol(0.0, 7), EVALUATION, Protocol(0.0, 7)),
        (ProtocolOptions(noop_max=3), Protocol(0.1, 7), EVALUATION, Protocol(0.1, 3)),
        (ProtocolOptions(sticky=0.5), Protocol(0.1, 7), EVALUATION, Protocol(0.5, 7)),
        (ProtocolOptions(0.0, 0, ("a",)), Protocol(0.1, 7), EVALUATION, Protocol(0.0, 0, cheats=("a",))),
    ],
)
def test_options_then_suite_then_default(options, suite, default, expected):
    assert options.resolve(default, suite) == expected


def test_a_value_out_of_range_names_its_option():
    with pytest.raises(UsageError, match=r"--noop-max must be a whole number"):
        ProtocolOptions(noop_max=-1).resolve(EVALUATION)


def suite_file(tmp_path: Path, state: str, **protocol) -> Path:
    path = tmp_path / f"suite-{state}.yaml"
    cells = [{"game": "pong", "states": [state], "seeds": [0], "max_frames": 120}]
    path.write_text(yaml.safe_dump({"protocol": protocol, "cells": cells}))
    return path


def test_tournament_suite_plays_the_suites_block(tmp_path):
    suite = suite_file(tmp_path, "Start.2P", sticky=0.0, noop_max=0)
    result = arena("tournament", "random", "random", "--suite", str(suite), "--record", str(tmp_path / "t"))
    assert result.returncode == 0, result.stderr
    assert DETERMINISTIC in result.stdout
    played = json.loads((tmp_path / "t" / "tournaments.json").read_text())
    assert '"sticky": 0.25' not in json.dumps(played)
    # An option given goes over the block, key by key.
    again = arena("tournament", "random", "random", "--suite", str(suite), "--noop-max", "5")
    assert again.returncode == 0, again.stderr
    assert "protocol: no sticky actions, up to 5 no-op frames at reset" in again.stdout


def test_bench_keeps_the_blocks_other_key(tmp_path):
    suite = suite_file(tmp_path, "Start", sticky=0.0, noop_max=0)
    result = arena("bench", "random", "--suite", str(suite), "--noop-max", "2", "--out", str(tmp_path / "b"))
    assert result.returncode == 0, result.stderr
    assert "protocol: no sticky actions, up to 2 no-op frames at reset" in result.stdout


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["run", "--agent", "random"], "protocol: sticky actions p=0.25, no no-op starts"),
        (["run", "--agent", "random", "--noop-max", "3"], "protocol: sticky actions p=0.25, up to 3 no-op frames"),
        (["match", "random", "random", "--sticky", "0"], DETERMINISTIC),
        (["tournament", "random", "random"], "protocol: sticky actions p=0.25, no no-op starts"),
    ],
)
def test_the_commands_without_a_suite(command, expected):
    state = "Start" if command[0] == "run" else "Start.2P"
    result = arena(*command, "--game", "pong", "--state", state, "--max-frames", "120")
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.slow
def test_train_defaults_to_the_training_protocol(tmp_path):
    def trained(*options: str) -> dict:
        out = tmp_path / f"run{len(options)}"
        result = arena(
            "train", "neat-ff", "--game", "airstriker", "--pop", "2", "--generations", "1",
            "--max-frames", "60", "--out", str(out), *options,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return json.loads(next((out / "best").glob("*.json")).read_text())["protocol"]

    assert trained() == {"sticky": 0.0, "noop_max": 0}
    assert trained("--noop-max", "2") == {"sticky": 0.0, "noop_max": 2}
