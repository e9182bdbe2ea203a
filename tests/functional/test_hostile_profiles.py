"""Profiles that a user or an attacker hands the arena: values that cannot be scored end as one
clear line naming the key (before the episode when it can be known then), never as a score."""

import json

import pytest
import yaml

from conftest import ROOT, arena

AIRSTRIKER = yaml.safe_load((ROOT / "games" / "airstriker.yaml").read_text())


def profile(tmp_path, **changes):
    raw = {**AIRSTRIKER, **changes}
    raw.pop("probes")
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


SQUARES = {"v0": "score + 3"} | {f"v{i}": f"v{i - 1} * v{i - 1}" for i in range(1, 41)}


@pytest.mark.parametrize(
    ("changes", "message", "before_any_episode"),
    [
        (
            {"reward": {"boom": "1e308 * 10 if frame > 40 else 0"}},
            "reward.boom is inf at frame",
            False,
        ),
        ({"reward": {"m": "score % (lives - lives)"}}, "division by zero in", False),
        ({"variables": SQUARES, "reward": {"v": "v40"}}, "variables.v6 is ", False),
        (
            {"ram": {"hp": {"address": 100000, "type": "|u1"}}},
            "ram.hp.address: 100000 (+1 bytes) is outside the system's memory",
            True,
        ),
        (
            {"observation": {"crop": [120, 120, 0, 0], "resize": None}},
            "observation: crop (120, 120, 0, 0) leaves nothing",
            True,
        ),
    ],
)
def test_unscorable_values_end_in_one_line_and_no_score(
    tmp_path, changes, message, before_any_episode
):
    record = tmp_path / "r"
    result = arena(
        "run", "--game", str(profile(tmp_path, **changes)), "--max-frames", "600",
        "--record", str(record), "--quiet",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "hostile.yaml" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "episode 1" not in result.stdout  # no score was printed
    results = record / "results.jsonl"
    assert not results.exists() or results.read_text() == ""  # nor recorded
    assert not list(record.glob("*.bk2")) if record.exists() else True
    if before_any_episode:
        assert not record.exists() or not any(record.iterdir())


def test_a_rule_error_in_a_benchmark_is_a_failed_cell_never_a_score(tmp_path):
    bad = profile(tmp_path, reward={"boom": "1e308 * 10 if frame > 40 else 0"})
    suite = tmp_path / "s.yaml"
    suite.write_text(f"cells:\n  - {{game: {bad}, seeds: [0, 1], max_frames: 600}}\n")
    result = arena("bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"))
    assert result.returncode == 0, result.stderr
    assert "0 cell(s) played (0 forfeited), 2 failed" in result.stdout
    lines = [
        json.loads(line) for line in (tmp_path / "b" / "results.jsonl").read_text().splitlines()
    ]
    assert all("reward.boom is inf" in line["error"] for line in lines)
    assert all("return" not in line or line["return"] is None for line in lines)
