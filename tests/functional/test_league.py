"""`arena train ppo --opponent league` (issue #35): the learner meets its own snapshots and
the fixed entries, every game is rated with OpenSkill, the snapshots are checkpoints that
`arena tournament` plays, a resume goes on with the same league, and a run is reproducible."""

import json
from collections import Counter

import pytest

from conftest import arena, csv_rows

pytestmark = pytest.mark.slow  # each test trains

LEAGUE = ["--game", "boxing", "--state", "Start.2P", "--opponent", "league", "--envs", "2",
          "--max-frames", "120", "--set", "num_steps=32", "--set", "num_minibatches=2",
          "--set", "league_snapshot_every=128"]  # fmt: skip


@pytest.fixture(scope="module")
def league_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("league") / "boxing"
    result = arena("train", "ppo", *LEAGUE, "--steps", "512", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_learner_meets_its_snapshots_and_random_and_every_game_is_rated(league_run):
    out = league_run
    snapshots = sorted(p.stem for p in (out / "league").glob("*.ckpt"))
    assert snapshots == [f"ppo-{step:010d}" for step in (0, 128, 256, 384, 512)]
    episodes = csv_rows(out / "episodes.csv")
    assert len(episodes) >= 14  # 120-frame bouts of 30 steps, 256 steps in each of 2 envs
    met = Counter(e["opponent"] for e in episodes)
    assert "random" in met and any(name.startswith("ppo-") for name in met)
    assert {e["outcome"] for e in episodes} <= {"0.0", "0.5", "1.0"}
    # The last rows of league.csv: every member rated, the learner in every game.
    rows = csv_rows(out / "league.csv")
    last = {r["name"]: r for r in rows if r["global_step"] == "512"}
    assert set(last) == {"learner", "random", *snapshots}
    assert int(last["learner"]["games"]) == len(episodes)
    assert sum(int(last[name]["games"]) for name in met) == len(episodes)
    for name, games in met.items():
        assert int(last[name]["games"]) == games
    saved = json.loads((out / "league.json").read_text())
    assert saved["snapshots"] == snapshots
    assert (out / "league.png").stat().st_size > 10_000  # beside learning_curve.png


def test_snapshots_are_checkpoints_a_tournament_plays(league_run, tmp_path):
    first, last = (league_run / "league" / f"ppo-{s:010d}.ckpt" for s in (0, 512))
    played = arena("tournament", f"early=ppo:{first}", f"late=ppo:{last}", "--game", "boxing",
                   "--episodes", "1", "--max-frames", "120", "--record", str(tmp_path / "t"))  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert "early" in played.stdout and "late" in played.stdout
    assert arena("verify", str(tmp_path / "t")).returncode == 0


def test_the_same_league_run_again_meets_the_same_opponents(league_run, tmp_path):
    again = tmp_path / "again"
    result = arena("train", "ppo", *LEAGUE, "--steps", "512", "--out", str(again))
    assert result.returncode == 0, result.stderr
    fields = ("global_step", "env", "return", "opponent", "outcome")
    assert [tuple(e[f] for f in fields) for e in csv_rows(again / "episodes.csv")] == [
        tuple(e[f] for f in fields) for e in csv_rows(league_run / "episodes.csv")
    ]
    assert (again / "league.json").read_text() == (league_run / "league.json").read_text()


def test_a_resumed_league_goes_on_with_its_snapshots_and_ratings(tmp_path):
    out = tmp_path / "resumed"
    first = arena("train", "ppo", *LEAGUE, "--steps", "256", "--set", "checkpoint_every=128",
                  "--out", str(out))  # fmt: skip
    assert first.returncode == 0, first.stderr
    met_before = json.loads((out / "league.json").read_text())["games"]
    again = arena("train", "ppo", "--out", str(out), "--resume", "--steps", "512")
    assert again.returncode == 0, again.stderr
    saved = json.loads((out / "league.json").read_text())
    assert saved["snapshots"] == [f"ppo-{step:010d}" for step in (0, 128, 256, 384, 512)]
    # The ratings went on from where the first part left them: every game counted once.
    episodes = csv_rows(out / "episodes.csv")
    assert saved["games"]["learner"] == len(episodes) > met_before["learner"]
    steps = [(r["global_step"], r["name"]) for r in csv_rows(out / "league.csv")]
    assert len(steps) == len(set(steps))  # each rating once per step


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--game", "pong", "--opponent", "league"], "is for 1 player"),
        (["--game", "boxing", "--state", "Start.2P", "--opponent", "league", "--set",
          "league_latest=0.9"], "is over 1"),
        (["--game", "boxing", "--state", "Start.2P", "--opponent", "league", "--set",
          "league_entries=nobody"], "nobody"),
    ],
)  # fmt: skip
def test_bad_leagues_are_one_line_and_leave_no_run(args, message, tmp_path):
    out = tmp_path / "run"
    result = arena("train", "ppo", *args, "--steps", "64", "--out", str(out))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists()


def test_neat_refuses_a_league(tmp_path):
    result = arena("train", "neat-ff", "--game", "boxing", "--state", "Start.2P", "--opponent",
                   "league", "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.returncode == 2 and "NEAT does not train in a league" in result.stderr
    assert not (tmp_path / "run").exists()
